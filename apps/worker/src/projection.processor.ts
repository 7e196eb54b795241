import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ThrottledWarning } from '@app/config';
import { PROJECTION_PARTITION_COUNT, projectionQueue, RedisConnections } from '@app/queues';
import { CatchUpTrigger } from './catch-up-trigger';

/**
 * Works "catch up" nudges: the durable path (retries with backoff, visible on the queue board).
 * One BullMQ worker per partition queue (`{proj-<n>}`, spread over a Redis Cluster's masters),
 * every one in every worker process: a job on `{proj-<n>}` joins this worker's catch-up
 * trigger for partition n and completes when a run of it that started after the nudge is
 * done, so a completed job means "partition n caught up as of when it was requested" when
 * this worker owns n (when it does not, n's owner is woken by the NOTIFY and its sweep); a
 * failed run fails the job, which BullMQ retries.
 */
@Injectable()
export class ProjectionProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ProjectionProcessor.name);
  private readonly redisWarning = new ThrottledWarning(this.logger);

  constructor(
    private readonly trigger: CatchUpTrigger,
    private readonly connections: RedisConnections,
    @Inject(PROJECTION_PARTITION_COUNT) private readonly partitions: number,
  ) {}

  /** Closed by RedisConnections on shutdown (each finishes the job it has). */
  onApplicationBootstrap(): void {
    for (let partition = 0; partition < this.partitions; partition++) {
      // Redis unreachable: BullMQ reconnects by itself; the sweep keeps projecting meanwhile.
      this.connections.worker(projectionQueue(partition), () => this.process(partition), (error) => this.redisWarning.warn(`queue connection: ${error.message}`));
    }
  }

  /** A nudge of one partition catches up that partition, when this worker owns it (its owner is woken by NOTIFY otherwise). */
  async process(partition: number): Promise<{ applied: number }> {
    const result = await this.trigger.request(partition);
    for (const failure of result.failed) {
      this.logger.error(`projection ${failure.name} (generation ${failure.generation}, partition ${failure.partition}) failed: ${failure.error}; see GET /v1/projections`);
    }
    for (const waiting of result.waiting ?? []) {
      this.logger.warn(`projection ${waiting.name} (generation ${waiting.generation}, partition ${waiting.partition}) is waiting: ${waiting.reason}; retried with backoff`);
    }
    return { applied: result.applied };
  }
}
