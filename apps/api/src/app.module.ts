import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { EventStoreModule } from '@app/event-store';
import { ProjectionsModule } from '@app/projections';
import { QueuesModule } from '@app/queues';
import { AdminQueuesBoard } from './admin-queues/admin-queues.board';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysRepository } from './auth/api-keys.repository';
import { DashboardController } from './dashboard/dashboard.controller';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { RedisHealth } from './health/redis-health';
import { HttpLoggingModule } from './logging/http-logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProblemFilter } from './problems/problem.filter';
import { ProjectionsController } from './projections/projections.controller';
import { ProjectionWatcher } from './read-models/projection-watcher';
import { LiveController } from './read-models/live.controller';
import { LiveHub } from './read-models/live-hub';
import { liveStreamSlotsProvider } from './read-models/live-stream-slots';
import { ReadModelsController } from './read-models/read-models.controller';
import { ReadModelsService } from './read-models/read-models.service';
import { ReadMetrics } from './read-routing/read-metrics';
import { ReadRouter } from './read-routing/read-router';
import { ReplicaMonitor } from './read-routing/replica-monitor';
import { RateLimiter } from './security/rate-limiter';
import { SessionController } from './session/session.controller';
import { SessionsRepository } from './session/sessions.repository';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), HttpLoggingModule.forRoot(config, logDestination), DatabaseModule.forRoot(), EventStoreModule, QueuesModule, ProjectionsModule, MetricsModule],
      controllers: [EventsController, ReadModelsController, LiveController, ProjectionsController, ApiKeysController, SessionController, HealthController, DashboardController],
      providers: [
        ApiKeysRepository,
        SessionsRepository,
        ReadModelsService,
        ProjectionWatcher,
        // Where read-model reads run: the replicas of DATABASE_REPLICA_URLS, or the primary.
        ReplicaMonitor,
        ReadMetrics,
        ReadRouter,
        LiveHub,
        liveStreamSlotsProvider,
        RedisHealth,
        // Before the board: its hook must come first, ahead of the board's own authentication.
        RateLimiter,
        AdminQueuesBoard,
        // A provider of its own as well, so routes outside Nest's routing (the board) can use it.
        ApiKeyGuard,
        { provide: APP_GUARD, useExisting: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
