// Every BullMQ queue, with its worker settings, in one table: a queue cannot be added
// without saying how it is worked. Jobs are nudges, never events: the log is the truth.
//
// Keys are `<REDIS_PREFIX>:<queue>:<suffix>`, and each queue's name is its own Redis Cluster
// hash tag (`{proj-3}`), so that all of one queue's keys share a slot (BullMQ's Lua scripts
// touch several at once) while different queues hash to different slots, and so to different
// masters: Redis hashes only the first `{...}` of a key, and REDIS_PREFIX may not contain one.
import type { DefaultJobOptions } from 'bullmq';
import { AppConfig } from '@app/config';
import { partitionOf } from '@app/domain';

export interface QueueSettings {
  /** Jobs one worker process runs at once, per queue. */
  concurrency: number;
  defaultJobOptions: DefaultJobOptions;
}

/** One queue: its name (a hash tag) and its settings. */
export interface QueueSpec extends QueueSettings {
  name: string;
}

export const QUEUES = {
  /**
   * "Projections: catch up" nudges, one queue per projection partition (`{proj-<n>}`), each
   * deduplicated (at most one waiting and one running job).
   */
  projections: {
    queueName: (partition: number) => `{proj-${partition}}`,
    // A step of a partition runs at a time anyway (its advisory lock).
    concurrency: 1,
    defaultJobOptions: {
      attempts: 10,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: 100,
      removeOnFail: 1_000,
    },
  },
} as const satisfies Record<string, QueueSettings & { queueName: (partition: number) => string }>;

/**
 * How many projection partitions there are, so how many `{proj-<n>}` queues. The one place
 * that decides it (the API's nudger and the worker's consumers must agree).
 */
export function projectionPartitions(config: AppConfig): number {
  return config.PROJECTION_PARTITIONS ?? 1;
}

export function projectionQueue(partition: number): QueueSpec {
  const { queueName, ...settings } = QUEUES.projections;
  return { name: queueName(partition), ...settings };
}

/** The partition queue a mission's nudges go to. */
export const projectionQueueOf = (missionId: string, partitions: number): QueueSpec => projectionQueue(partitionOf(missionId, partitions));

/** Every queue of this deployment: the partition queues (the board lists them so). */
export function allQueues(partitions: number): QueueSpec[] {
  return Array.from({ length: partitions }, (_, partition) => projectionQueue(partition));
}

/** BullMQ's `prefix`: REDIS_PREFIX itself, outside the hash tag (see above). */
export const queuePrefix = (config: AppConfig): string => config.REDIS_PREFIX;
