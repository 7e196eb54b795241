// Every BullMQ queue, with its worker settings, in one table: a queue cannot be added
// without saying how it is worked. Jobs are nudges, never events: the log is the truth.
import type { DefaultJobOptions } from 'bullmq';
import { AppConfig } from '@app/config';

export interface QueueSettings {
  name: string;
  /** Jobs one worker process runs at once. */
  concurrency: number;
  defaultJobOptions: DefaultJobOptions;
}

export const QUEUES = {
  /** "projections: catch up" nudges, deduplicated (at most one waiting and one running). */
  projections: {
    name: 'projections',
    // One step runs at a time anyway (the projections advisory lock).
    concurrency: 1,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: 100,
      removeOnFail: 1_000,
    },
  },
  maintenance: {
    name: 'maintenance',
    concurrency: 1,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: 100, removeOnFail: 1_000 },
  },
} as const satisfies Record<string, QueueSettings>;

/**
 * Every key lives under one hash tag, `{prefix}`, so all of a queue's keys hash to the same
 * Redis Cluster slot (BullMQ's multi-key Lua scripts need that).
 */
export const queuePrefix = (config: AppConfig): string => `{${config.REDIS_PREFIX}}`;
