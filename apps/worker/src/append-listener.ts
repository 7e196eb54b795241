// The low-latency path: PostgreSQL NOTIFYs `events_appended` at each append's commit, and
// this worker requests a catch-up at once instead of waiting for the BullMQ nudge to travel
// through Redis (which still arrives, and covers workers that miss the notification).
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PgListener } from '@app/database';
import { EVENTS_APPENDED_CHANNEL } from '@app/event-store';
import { isTransient } from '@app/projections';
import { RunsStoppedError } from '@app/queues';
import { CatchUpTrigger } from './catch-up-trigger';

@Injectable()
export class AppendListener implements OnApplicationBootstrap {
  private readonly logger = new Logger(AppendListener.name);

  constructor(
    private readonly listener: PgListener,
    private readonly trigger: CatchUpTrigger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.subscribe(EVENTS_APPENDED_CHANNEL, () => void this.catchUp());
  }

  private async catchUp(): Promise<void> {
    try {
      await this.trigger.request();
    } catch (error) {
      // The queue's job (with retries and backoff) or the sweep will pick it up.
      if (!isTransient(error) && !(error instanceof RunsStoppedError)) this.logger.error(`catch-up failed: ${(error as Error).message}`);
    }
  }
}
