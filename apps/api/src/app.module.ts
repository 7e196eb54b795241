import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EventStoreModule } from '@app/event-store';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysRepository } from './auth/api-keys.repository';
import { AppendNotifier } from './events/append-notifier';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { RedisHealth } from './health/redis-health';
import { ProblemFilter } from './problems/problem.filter';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, EventStoreModule],
      controllers: [EventsController, ApiKeysController, HealthController],
      providers: [
        ApiKeysRepository,
        AppendNotifier,
        RedisHealth,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
