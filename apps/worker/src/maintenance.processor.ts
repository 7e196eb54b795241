// Housekeeping on a schedule: idempotency keys are kept for 24 hours (CONTRACT section 4),
// then removed.
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { ThrottledWarning } from '@app/config';
import { Database, DATABASE } from '@app/database';
import { QUEUES } from '@app/queues';

export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

@Processor(QUEUES.maintenance.name, { concurrency: QUEUES.maintenance.concurrency })
export class MaintenanceProcessor extends WorkerHost {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly redisWarning = new ThrottledWarning(this.logger);

  constructor(@Inject(DATABASE) private readonly database: Database) {
    super();
  }

  async process(): Promise<{ purgedIdempotencyKeys: number }> {
    const { rowCount } = await this.database.pool.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
      [IDEMPOTENCY_KEY_TTL_HOURS],
    );
    if (rowCount) this.logger.log(`purged ${rowCount} idempotency keys older than ${IDEMPOTENCY_KEY_TTL_HOURS} h`);
    return { purgedIdempotencyKeys: rowCount ?? 0 };
  }

  /** Redis unreachable: BullMQ reconnects by itself; the sweep keeps projecting meanwhile. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.redisWarning.warn(`queue connection: ${error.message}`);
  }
}
