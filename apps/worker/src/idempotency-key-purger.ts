// Idempotency keys are kept 24 hours (CONTRACT section 4), then purged by the event store,
// which owns them. A timer in each worker process (at start-up, then every
// IDEMPOTENCY_PURGE_INTERVAL_MS), like the projection sweep, rather than a BullMQ job
// scheduler: a Redis flush or restart erased the scheduler, and no purge ran again until a
// worker restarted. Several workers purging at once is safe: the purge deletes in small
// transactions that skip rows locked by another (see EventStore.purgeExpiredIdempotencyKeys).
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';
import { EventStore, IDEMPOTENCY_KEY_TTL_HOURS } from '@app/event-store';
import { isTransient } from '@app/projections';

@Injectable()
export class IdempotencyKeyPurger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyKeyPurger.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly eventStore: EventStore,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** Not awaited: a long first purge must not hold up the worker's start. */
  onApplicationBootstrap(): void {
    void this.purge();
  }

  /** One purge, then the next IDEMPOTENCY_PURGE_INTERVAL_MS after it ends (purges never overlap). */
  private async purge(): Promise<void> {
    try {
      const purged = await this.eventStore.purgeExpiredIdempotencyKeys();
      if (purged > 0) this.logger.log(`purged ${purged} idempotency keys older than ${IDEMPOTENCY_KEY_TTL_HOURS} h`);
    } catch (error) {
      // PostgreSQL unreachable for a while: the next round tries again.
      if (!isTransient(error)) this.logger.error(`idempotency key purge failed: ${(error as Error).message}`);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.purge(), this.config.IDEMPOTENCY_PURGE_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
