import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EventStoreModule } from '@app/event-store';
import { QueuesModule } from '@app/queues';
import { ProjectionRunnerModule } from '@app/projections';
import { AppendListener } from './append-listener';
import { CatchUpTrigger } from './catch-up-trigger';
import { IdempotencyKeyPurger } from './idempotency-key-purger';
import { ProjectionProcessor } from './projection.processor';
import { ProjectionSweeper } from './projection-sweeper';
import { PartitionOwner } from './partition-owner';

/** The worker process: the only process that registers job processors. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        // Step transactions hold the partitions' locks: a worker whose machine or network is
        // gone must lose its sessions soon (idle ones too), see SERVER_KEEPALIVES.
        DatabaseModule.forRoot({ serverKeepalives: true }),
        EventStoreModule, // the purger deletes expired idempotency keys through the event store
        ProjectionRunnerModule,
        QueuesModule,
      ],
      providers: [PartitionOwner, CatchUpTrigger, ProjectionProcessor, ProjectionSweeper, AppendListener, IdempotencyKeyPurger],
    };
  }
}
