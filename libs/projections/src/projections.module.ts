import { Global, Module } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';
import { Database, DATABASE } from '@app/database';
import { ProjectionAdmin } from './projection-admin';
import { ProjectionRunner } from './projection-runner';
import { ProjectionStatuses } from './projection-statuses';

/** The API's side of the projections: their status, rebuilds (nudges come from @app/queues). */
@Global()
@Module({
  providers: [
    {
      provide: ProjectionAdmin,
      inject: [DATABASE, CONFIG],
      useFactory: (db: Database, config: AppConfig) => new ProjectionAdmin(db.pool, config.PROJECTION_STUCK_SECONDS),
    },
    { provide: ProjectionStatuses, inject: [ProjectionAdmin], useFactory: (admin: ProjectionAdmin) => new ProjectionStatuses(admin) },
  ],
  exports: [ProjectionAdmin, ProjectionStatuses],
})
export class ProjectionsModule {}

/** The worker's side: the runner that applies the log (only the worker constructs one). */
@Module({
  providers: [
    {
      provide: ProjectionRunner,
      inject: [DATABASE, CONFIG],
      useFactory: (db: Database, config: AppConfig) => new ProjectionRunner(db.pool, config.PROJECTION_BATCH_SIZE),
    },
  ],
  exports: [ProjectionRunner],
})
export class ProjectionRunnerModule {}
