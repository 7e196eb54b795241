import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job } from 'bullmq';
import { isProjectionName, ProjectionRunner } from '@app/projections';
import { CatchUpJob, QUEUES } from '@app/queues';

/** Works "catch up" nudges: the runner reads the log from the checkpoint and applies it. */
@Processor(QUEUES.projections.name, { concurrency: QUEUES.projections.concurrency })
export class ProjectionProcessor extends WorkerHost {
  private readonly logger = new Logger(ProjectionProcessor.name);

  constructor(private readonly runner: ProjectionRunner) {
    super();
  }

  async process(job: Job<CatchUpJob>): Promise<{ applied: number; position: number | null }> {
    const name = job.data.projection;
    if (!isProjectionName(name)) throw new Error(`unknown projection "${name}"`);
    const result = await this.runner.catchUp(name);
    if (result.failed) this.logger.error(`projection ${name} failed at position ${result.position}; see GET /v1/projections`);
    return { applied: result.applied, position: result.position };
  }
}
