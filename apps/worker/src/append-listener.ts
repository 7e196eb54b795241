// The low-latency path: PostgreSQL NOTIFYs `events_appended` at each append's commit, and
// this worker starts a catch-up at once instead of waiting for the BullMQ nudge to travel
// through Redis (which still arrives, and covers workers that miss the notification).
// Catch-ups requested while one runs are folded into one more run after it.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PgListener } from '@app/database';
import { EVENTS_APPENDED_CHANNEL } from '@app/event-store';
import { isTransient, ProjectionRunner } from '@app/projections';

@Injectable()
export class AppendListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AppendListener.name);
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly listener: PgListener,
    private readonly runner: ProjectionRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.subscribe(EVENTS_APPENDED_CHANNEL, () => this.trigger());
  }

  private trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.runner.catchUp();
      } while (this.again && !this.stopped);
    } catch (error) {
      // The queue's job (with retries and backoff) or the sweep will pick it up.
      if (!isTransient(error)) this.logger.error(`catch-up failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }
}
