import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EventStoreModule } from '@app/event-store';
import { QUEUES, queuePrefix, redisConnection } from '@app/queues';
import { MaintenanceProcessor } from './maintenance.processor';
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
        BullModule.forRoot({ connection: redisConnection(config), prefix: queuePrefix(config) }),
        BullModule.registerQueue({ name: QUEUES.maintenance.name, defaultJobOptions: QUEUES.maintenance.defaultJobOptions }),
      ],
      providers: [MaintenanceProcessor, MaintenanceScheduler],
    };
  }
}
