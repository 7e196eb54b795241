import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { ThrottledWarning } from '@app/config';
import { QUEUES } from '@app/queues';
import { CatchUpTrigger } from './catch-up-trigger';

/**
 * Works "catch up" nudges: the durable path (retries with backoff, visible on the queue board).
 * The job joins this worker's catch-up trigger and completes when runs of the partitions it
 * owns that started after the nudge are done, so a completed job means "this worker's
 * partitions caught up as of when it was requested" (the others' owners are woken by the
 * NOTIFY and their sweep); a failed run fails the job, which BullMQ retries.
 */
@Processor(QUEUES.projections.name, { concurrency: QUEUES.projections.concurrency })
export class ProjectionProcessor extends WorkerHost {
  private readonly logger = new Logger(ProjectionProcessor.name);
  private readonly redisWarning = new ThrottledWarning(this.logger);

  constructor(private readonly trigger: CatchUpTrigger) {
    super();
  }

  async process(): Promise<{ applied: number }> {
    const result = await this.trigger.request();
    for (const failure of result.failed) {
      this.logger.error(`projection ${failure.name} (generation ${failure.generation}, partition ${failure.partition}) failed: ${failure.error}; see GET /v1/projections`);
    }
    for (const waiting of result.waiting ?? []) {
      this.logger.warn(`projection ${waiting.name} (generation ${waiting.generation}, partition ${waiting.partition}) is waiting: ${waiting.reason}; retried with backoff`);
    }
    return { applied: result.applied };
  }

  /** Redis unreachable: BullMQ reconnects by itself; the sweep keeps projecting meanwhile. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.redisWarning.warn(`queue connection: ${error.message}`);
  }
}
