// Tells the workers "projections of partition <n>: catch up", on that partition's queue. The
// job carries nothing: the log is the source of truth, so a lost, duplicated or retried nudge
// changes nothing.
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ThrottledWarning, within } from '@app/config';
import { partitionOf } from '@app/domain';
import { CoalescedRun } from './coalesced-run';
import { PROJECTION_PARTITION_COUNT } from './partition-count';
import { projectionQueue } from './queues';
import { RedisConnections } from './redis-connections';

export const CATCH_UP_JOB = 'catch-up';
const NUDGE_TIMEOUT_MS = 2_000;
export const NUDGE_INTERVAL_MS = 50;

@Injectable()
export class ProjectionNudger implements OnModuleInit {
  private readonly redisWarning = new ThrottledWarning(new Logger(ProjectionNudger.name));
  private readonly sends = new CoalescedRun(() => this.send(), NUDGE_INTERVAL_MS);
  /** Partitions nudged since the last send started. */
  private readonly pending = new Set<number>();
  private partitionQueues?: Queue[];

  constructor(
    private readonly connections: RedisConnections,
    @Inject(PROJECTION_PARTITION_COUNT) private readonly partitions: number,
  ) {}

  onModuleInit(): void {
    // Fail fast (see REDIS_CLIENTS.nudger); closed by RedisConnections.
    this.partitionQueues = Array.from({ length: this.partitions }, (_, partition) => this.connections.queue(projectionQueue(partition), 'nudger'));
  }

  /** The partition queues, in partition order, for reading their job counts. */
  get queues(): readonly Queue[] {
    if (!this.partitionQueues) throw new Error('ProjectionNudger used before the module was initialised');
    return this.partitionQueues;
  }

  /**
   * "Catch up" for the partitions of these missions (all partitions without any), at most
   * once per NUDGE_INTERVAL_MS per process: the first nudge goes out at once, those that
   * follow share one sent after it (at most one in flight and one pending, which takes every
   * partition asked for meanwhile), so the last append is always followed by a nudge of its
   * partition. Workers get the fast wake-up from PostgreSQL's NOTIFY at commit; the queues
   * are the durable path (retries, backoff, inspection), and a job per append would only
   * churn Redis. In each queue, at most one waiting and one active job: a nudge that arrives
   * while one is being processed is kept and runs after it. Never rejects: Redis being down
   * is logged, and the sweep covers it.
   */
  nudge(missionIds?: readonly string[]): Promise<void> {
    if (missionIds === undefined) for (let partition = 0; partition < this.partitions; partition++) this.pending.add(partition);
    else for (const missionId of missionIds) this.pending.add(partitionOf(missionId, this.partitions));
    return this.sends.request();
  }

  private async send(): Promise<void> {
    const partitions = [...this.pending];
    this.pending.clear();
    await Promise.all(partitions.map((partition) => this.add(this.queues[partition])));
  }

  private async add(queue: Queue): Promise<void> {
    try {
      await within(queue.add(CATCH_UP_JOB, {}, { deduplication: { id: CATCH_UP_JOB, keepLastIfActive: true } }), NUDGE_TIMEOUT_MS);
    } catch (error) {
      // Redis (or this queue's shard) is down: the log already has the events; the workers' sweep catches up later.
      this.redisWarning.warn(`could not nudge projections on ${queue.name} (Redis: ${(error as Error).message}); the sweep will catch up`);
    }
  }
}
