// The safety net under the nudges. Every few seconds (and at start-up) each worker nudges
// the queue and requests a catch-up of the partitions it owns from its trigger, then deletes
// the rows of generations a rebuild has retired. That covers nudges lost while Redis was
// down, flushed or restarted, and a job left "active" by a worker that died (BullMQ only
// notices a stalled job after its lock expires). It is a timer in each process rather than
// a BullMQ job scheduler because a Redis flush would erase the scheduler; several workers
// catching up at once is safe because of the steps' advisory locks. (Which partitions a
// worker owns is refreshed on a timer of its own, see partition-owner.ts, so a long
// catch-up never delays a heartbeat.)
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isTransient, ProjectionRunner } from '@app/projections';
import { ProjectionNudger, RunsStoppedError } from '@app/queues';
import { CatchUpTrigger } from './catch-up-trigger';

export const SWEEP_INTERVAL_MS = 2_000;

@Injectable()
export class ProjectionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionSweeper.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly nudger: ProjectionNudger,
    private readonly trigger: CatchUpTrigger,
    private readonly runner: ProjectionRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep();
  }

  /** One sweep, then the next SWEEP_INTERVAL_MS after it ends (sweeps never overlap). */
  private async sweep(): Promise<void> {
    void this.nudger.nudge();
    try {
      const result = await this.trigger.request();
      if (result.applied > 0) this.logger.log(`sweep's catch-up applied ${result.applied} events`);
      if (this.stopped) return;
      const purged = await this.runner.purgeRetired();
      if (purged > 0) this.logger.log(`purged ${purged} rows of retired projection generations`);
    } catch (error) {
      if (!isTransient(error) && !(error instanceof RunsStoppedError)) this.logger.error(`sweep failed: ${(error as Error).message}`);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.sweep(), SWEEP_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
