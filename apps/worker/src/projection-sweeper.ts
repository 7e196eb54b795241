// The safety net under the nudges. Every few seconds (and at start-up) each worker nudges
// the queue and, when it is not already catching up, runs a catch-up step itself (then
// deletes the rows of generations a rebuild has replaced). That
// covers nudges lost while Redis was down, flushed or restarted, and a job left "active" by
// a worker that died (BullMQ only notices a stalled job after its lock expires). It is a
// timer in each process rather than a BullMQ job scheduler because a Redis flush would
// erase the scheduler; running the runner directly is safe because of its advisory lock.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isTransient, ProjectionRunner } from '@app/projections';
import { ProjectionNudger } from '@app/queues';

export const SWEEP_INTERVAL_MS = 2_000;

@Injectable()
export class ProjectionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionSweeper.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly nudger: ProjectionNudger,
    private readonly runner: ProjectionRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
  }

  private async sweep(): Promise<void> {
    void this.nudger.nudge();
    if (this.runner.busy || this.stopped) return;
    try {
      const result = await this.runner.catchUp();
      if (result.applied > 0) this.logger.log(`sweep applied ${result.applied} events the queue had not delivered`);
      const purged = await this.runner.purgeRetired();
      if (purged > 0) this.logger.log(`purged ${purged} rows of retired projection generations`);
    } catch (error) {
      if (!isTransient(error)) this.logger.error(`sweep failed: ${(error as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }
}
