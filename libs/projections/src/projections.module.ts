import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';
import { Database, DATABASE } from '@app/database';
import { ProjectionNudger } from '@app/queues';
import { ProjectionAdmin } from './projection-admin';
import { ProjectionRunner } from './projection-runner';

/** Projection services shared by the API (admin, nudges) and the worker (runner). */
@Global()
@Module({
  providers: [
    {
      provide: ProjectionRunner,
      inject: [DATABASE, CONFIG],
      useFactory: (db: Database, config: AppConfig) => new ProjectionRunner(db.pool, config.PROJECTION_BATCH_SIZE),
    },
    { provide: ProjectionAdmin, inject: [DATABASE], useFactory: (db: Database) => new ProjectionAdmin(db.pool) },
    { provide: ProjectionNudger, inject: [CONFIG], useFactory: (config: AppConfig) => new ProjectionNudger(config) },
  ],
  exports: [ProjectionRunner, ProjectionAdmin, ProjectionNudger],
})
export class ProjectionsModule implements OnApplicationShutdown {
  constructor(private readonly nudger: ProjectionNudger) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nudger.close();
  }
}
