import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EventStoreModule } from '@app/event-store';
import { QUEUES, queuePrefix, redisConnection } from '@app/queues';
import { ProjectionsModule } from '@app/projections';
import { AppendListener } from './append-listener';
import { CatchUpTrigger } from './catch-up-trigger';
import { MaintenanceProcessor } from './maintenance.processor';
import { ProjectionProcessor } from './projection.processor';
import { ProjectionSweeper } from './projection-sweeper';
import { MaintenanceScheduler } from './maintenance.scheduler';

/** The worker process: the only process that registers job processors. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        EventStoreModule,
        ProjectionsModule,
        BullModule.forRoot({ connection: redisConnection(config), prefix: queuePrefix(config) }),
        BullModule.registerQueue(
          ...Object.values(QUEUES).map((queue) => ({ name: queue.name, defaultJobOptions: queue.defaultJobOptions })),
        ),
      ],
      providers: [CatchUpTrigger, ProjectionProcessor, ProjectionSweeper, AppendListener, MaintenanceProcessor, MaintenanceScheduler],
    };
  }
}
