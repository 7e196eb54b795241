// Housekeeping on a schedule: idempotency keys are kept for 24 hours (CONTRACT section 4),
// then purged by the event store, which owns them.
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { ThrottledWarning } from '@app/config';
import { EventStore, IDEMPOTENCY_KEY_TTL_HOURS } from '@app/event-store';
import { QUEUES } from '@app/queues';

@Processor(QUEUES.maintenance.name, { concurrency: QUEUES.maintenance.concurrency })
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly redisWarning = new ThrottledWarning(this.logger);

  constructor(private readonly eventStore: EventStore) {
    super();
  }

  async process(): Promise<{ purgedIdempotencyKeys: number }> {
    const purged = await this.eventStore.purgeExpiredIdempotencyKeys();
    if (purged) this.logger.log(`purged ${purged} idempotency keys older than ${IDEMPOTENCY_KEY_TTL_HOURS} h`);
    return { purgedIdempotencyKeys: purged };
  }

  /** Redis unreachable: BullMQ reconnects by itself; the sweep keeps projecting meanwhile. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.redisWarning.warn(`queue connection: ${error.message}`);
  }
}
