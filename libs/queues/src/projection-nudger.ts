// Tells the workers "projections: catch up". The job carries nothing: the log is the source
// of truth, so a lost, duplicated or retried nudge changes nothing.
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { CoalescedRun } from './coalesced-run';
import { RedisConnections } from './redis-connections';

export const CATCH_UP_JOB = 'catch-up';
const NUDGE_TIMEOUT_MS = 2_000;
export const NUDGE_INTERVAL_MS = 50;

@Injectable()
export class ProjectionNudger implements OnModuleInit {
  private readonly logger = new Logger(ProjectionNudger.name);
  private lastWarning = 0;
  private readonly sends = new CoalescedRun(() => this.send(), NUDGE_INTERVAL_MS);
  private projections?: Queue;

  constructor(private readonly connections: RedisConnections) {}

  onModuleInit(): void {
    this.projections = this.connections.queue('projections', 'nudger'); // fails fast: see REDIS_CLIENTS
  }

  /** The projections queue, for reading its job counts (closed by RedisConnections). */
  get queue(): Queue {
    if (!this.projections) throw new Error('ProjectionNudger used before the module was initialised');
    return this.projections;
  }

  /**
   * "Projections: catch up", at most once per NUDGE_INTERVAL_MS per process: the first nudge
   * goes out at once, those that follow share one sent after it (at most one in flight and
   * one pending), so the last append is always followed by a nudge. Workers get the fast
   * wake-up from PostgreSQL's NOTIFY at commit; the queue is the durable path (retries,
   * backoff, inspection), and a job per append would only churn Redis. In Redis, at most one
   * waiting and one active job: a nudge that arrives while one is being processed is kept and
   * runs after it. Never rejects: Redis being down is logged, and the sweep covers it.
   */
  nudge(): Promise<void> {
    return this.sends.request();
  }

  private async send(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const added = this.queue.add(CATCH_UP_JOB, {}, { deduplication: { id: CATCH_UP_JOB, keepLastIfActive: true } });
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), NUDGE_TIMEOUT_MS);
      });
      await Promise.race([added, timeout]);
    } catch (error) {
      // Redis is down: the log already has the events; the workers' sweep catches up later.
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`could not nudge projections (Redis: ${(error as Error).message}); the sweep will catch up`);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
