import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { ThrottledWarning } from '@app/config';
import { ProjectionRunner } from '@app/projections';
import { QUEUES } from '@app/queues';

/** Works "catch up" nudges: the runner reads the log from the checkpoint and applies it. */
@Processor(QUEUES.projections.name, { concurrency: QUEUES.projections.concurrency })
export class ProjectionProcessor extends WorkerHost {
  private readonly logger = new Logger(ProjectionProcessor.name);
  private readonly redisWarning = new ThrottledWarning(this.logger);

  constructor(private readonly runner: ProjectionRunner) {
    super();
  }

  async process(): Promise<{ applied: number; skipped?: true }> {
    // A catch-up already running in this process (woken by the append NOTIFY) covers what
    // this nudge is about; a second one would only queue behind it on the advisory lock.
    if (this.runner.busy) return { applied: 0, skipped: true };
    const result = await this.runner.catchUp();
    for (const failure of result.failed) {
      this.logger.error(`projection ${failure.name} (generation ${failure.generation}) failed: ${failure.error}; see GET /v1/projections`);
    }
    for (const waiting of result.waiting ?? []) {
      this.logger.warn(`projection ${waiting.name} (generation ${waiting.generation}) is waiting: ${waiting.reason}; retried with backoff`);
    }
    return { applied: result.applied };
  }

  /** Redis unreachable: BullMQ reconnects by itself; the sweep keeps projecting meanwhile. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.redisWarning.warn(`queue connection: ${error.message}`);
  }
}
