// How many projection partitions, so `{proj-<n>}` queues, a process works with: resolved once
// at start-up by this provider, from projectionPartitions() in queues.ts (the one place that
// decides it), and injected wherever queues are named (the nudger, the worker's consumers,
// the queue board).
import { FactoryProvider } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';
import { projectionPartitions } from './queues';

export const PROJECTION_PARTITION_COUNT = Symbol('PROJECTION_PARTITION_COUNT');

export const projectionPartitionCountProvider: FactoryProvider<number> = {
  provide: PROJECTION_PARTITION_COUNT,
  useFactory: (config: AppConfig) => projectionPartitions(config),
  inject: [CONFIG],
};
