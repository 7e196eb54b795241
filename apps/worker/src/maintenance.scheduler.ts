import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { maintenanceQueue, RedisConnections } from '@app/queues';

/** Registers the hourly housekeeping job (idempotent: one scheduler however many workers). */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  constructor(private readonly connections: RedisConnections) {}

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.connections.queue(maintenanceQueue(), 'worker'); // waits for Redis; closed by RedisConnections
    await queue.upsertJobScheduler('purge-idempotency-keys', { every: 3_600_000 }, { name: 'purge-idempotency-keys' });
  }
}
