// Tells the workers "projection X: catch up". The job carries only the projection's name:
// the log is the source of truth, so a lost, duplicated or retried nudge changes nothing.
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '@app/config';
import { QUEUES, queuePrefix } from './queues';

export const CATCH_UP_JOB = 'catch-up';
const NUDGE_TIMEOUT_MS = 2_000;

export interface CatchUpJob {
  projection: string;
}

export class ProjectionNudger {
  private readonly logger = new Logger(ProjectionNudger.name);
  readonly queue: Queue<CatchUpJob>;
  private lastWarning = 0;

  constructor(
    config: AppConfig,
    private readonly projections: readonly string[],
  ) {
    this.queue = new Queue<CatchUpJob>(QUEUES.projections.name, {
      prefix: queuePrefix(config),
      // Fail fast while Redis is down: an append must never wait on Redis.
      connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 } as never,
      defaultJobOptions: QUEUES.projections.defaultJobOptions,
    });
    this.queue.on('error', () => undefined);
  }

  /**
   * At most one waiting and one active job per projection: a nudge that arrives while one is
   * being processed is kept and runs after it, so nothing committed meanwhile waits for the sweep.
   */
  async nudge(projections: readonly string[] = this.projections): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const added = Promise.all(
        projections.map((projection) =>
          this.queue.add(CATCH_UP_JOB, { projection }, { deduplication: { id: `catch-up:${projection}`, keepLastIfActive: true } }),
        ),
      );
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
