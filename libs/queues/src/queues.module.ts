// The one Nest module that makes Redis connections, imported by both processes: the API's
// producers, rate limiter and readiness client (RedisConnections), the nudger, and, in the
// worker, BullMQ's workers and the queues its processors and schedulers use.
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ProjectionNudger } from './projection-nudger';
import { QUEUES, queuePrefix } from './queues';
import { bullConnection } from './redis-connection';
import { RedisConnections } from './redis-connections';

const PRODUCERS = [RedisConnections, ProjectionNudger];

@Module({})
export class QueuesModule {
  /** The API: it only enqueues (Twenty: processors are bound in the worker alone). */
  static forApi(): DynamicModule {
    return { module: QueuesModule, global: true, providers: PRODUCERS, exports: PRODUCERS };
  }

  /** The worker: the producers, plus BullMQ's connection for the @Processor workers and @InjectQueue. */
  static forWorker(config: AppConfig): DynamicModule {
    const bull = [
      BullModule.forRoot({ connection: bullConnection(config, 'worker'), prefix: queuePrefix(config) }),
      BullModule.registerQueue(...Object.values(QUEUES).map((queue) => ({ name: queue.name, defaultJobOptions: queue.defaultJobOptions }))),
    ];
    return { module: QueuesModule, global: true, imports: bull, providers: PRODUCERS, exports: [...PRODUCERS, ...bull] };
  }
}
