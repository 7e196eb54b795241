// Housekeeping on a schedule: idempotency keys are kept for 24 hours (CONTRACT section 4),
// then purged by the event store, which owns them.
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ThrottledWarning } from '@app/config';
import { EventStore, IDEMPOTENCY_KEY_TTL_HOURS } from '@app/event-store';
import { maintenanceQueue, RedisConnections } from '@app/queues';

@Injectable()
export class MaintenanceProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly redisWarning = new ThrottledWarning(this.logger);

  constructor(
    private readonly eventStore: EventStore,
    private readonly connections: RedisConnections,
  ) {}

  /** Closed by RedisConnections on shutdown. */
  onApplicationBootstrap(): void {
    // Redis unreachable: BullMQ reconnects by itself; the sweep keeps projecting meanwhile.
    this.connections.worker(maintenanceQueue(), () => this.process(), (error) => this.redisWarning.warn(`queue connection: ${error.message}`));
  }

  async process(): Promise<{ purgedIdempotencyKeys: number }> {
    const purged = await this.eventStore.purgeExpiredIdempotencyKeys();
    if (purged) this.logger.log(`purged ${purged} idempotency keys older than ${IDEMPOTENCY_KEY_TTL_HOURS} h`);
    return { purgedIdempotencyKeys: purged };
  }
}
