// Tells the workers "projections: catch up". The job carries nothing: the log is the source
// of truth, so a lost, duplicated or retried nudge changes nothing.
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '@app/config';
import { CoalescedRun } from './coalesced-run';
import { QUEUES, queuePrefix } from './queues';

export const CATCH_UP_JOB = 'catch-up';
const NUDGE_TIMEOUT_MS = 2_000;
export const NUDGE_INTERVAL_MS = 50;

export class ProjectionNudger {
  private readonly logger = new Logger(ProjectionNudger.name);
  readonly queue: Queue;
  private lastWarning = 0;
  private readonly sends = new CoalescedRun(() => this.send(), NUDGE_INTERVAL_MS);

  constructor(config: AppConfig) {
    this.queue = new Queue(QUEUES.projections.name, {
      prefix: queuePrefix(config),
      // Fail fast while Redis is down: an append must never wait on Redis.
      connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 } as never,
      defaultJobOptions: QUEUES.projections.defaultJobOptions,
    });
    this.queue.on('error', () => undefined);
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

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
