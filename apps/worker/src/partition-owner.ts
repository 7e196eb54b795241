// This worker's share of the partitions (see PartitionOwnership): taken at start-up, kept
// up to date every couple of seconds, given up on shutdown.
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, CONFIG, ThrottledWarning } from '@app/config';
import { PartitionOwnership } from '@app/projections';

@Injectable()
export class PartitionOwner extends PartitionOwnership implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PartitionOwner.name);
  private readonly warning = new ThrottledWarning(this.logger);

  constructor(@Inject(CONFIG) config: AppConfig) {
    super({ databaseUrl: config.DATABASE_URL, onError: (error) => this.warning.warn(`partition ownership: ${error.message}; holding none until it reconnects`) });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
    this.logger.log(`worker ${this.workerId} owns partitions [${this.owned().join(', ')}]`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}
