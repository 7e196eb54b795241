// Nudges every projection at start-up and every few seconds after. This covers nudges lost
// while Redis was down, flushed or restarted. It is a timer in each worker process rather
// than a BullMQ job scheduler because a Redis flush would erase the scheduler with it.
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ProjectionNudger } from '@app/queues';

export const SWEEP_INTERVAL_MS = 2_000;

@Injectable()
export class ProjectionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly nudger: ProjectionNudger) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.nudger.nudge();
    this.timer = setInterval(() => void this.nudger.nudge(), SWEEP_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
