// The low-latency path: PostgreSQL NOTIFYs `events_appended` at each append's commit, naming
// the partitions of its events, and this worker requests a catch-up of those it owns at once
// instead of waiting for the BullMQ nudge to travel through Redis (which still arrives, and
// covers workers that miss the notification). A payload naming no partition (an API process
// of an earlier release) asks for every partition this worker owns.
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PgListener } from '@app/database';
import { appendedPartitions, EVENTS_APPENDED_CHANNEL } from '@app/event-store';
import { isTransient } from '@app/projections';
import { RunsStoppedError } from '@app/queues';
import { CatchUpTrigger } from './catch-up-trigger';
import { PartitionOwner } from './partition-owner';

@Injectable()
export class AppendListener implements OnApplicationBootstrap {
  private readonly logger = new Logger(AppendListener.name);

  constructor(
    private readonly listener: PgListener,
    private readonly trigger: CatchUpTrigger,
    private readonly ownership: PartitionOwner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.subscribe(EVENTS_APPENDED_CHANNEL, (payload) => {
      const partitions = appendedPartitions(payload);
      if (!partitions) void this.catchUp();
      else for (const partition of partitions) if (this.ownership.owns(partition)) void this.catchUp(partition);
    });
  }

  private async catchUp(partition?: number): Promise<void> {
    try {
      await this.trigger.request(partition);
    } catch (error) {
      // The queue's job (with retries and backoff) or the sweep will pick it up.
      if (!isTransient(error) && !(error instanceof RunsStoppedError)) this.logger.error(`catch-up failed: ${(error as Error).message}`);
    }
  }
}
