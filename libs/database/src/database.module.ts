// Nest wiring for the shared database: one pool per process, closed on shutdown.
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';

import { createDatabase, Database } from './database';
import { PgListener } from './pg-listener';

export const DATABASE = Symbol('DATABASE');

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [CONFIG],
      useFactory: (config: AppConfig) => createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
    },
    PgListener,
  ],
  exports: [DATABASE, PgListener],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
