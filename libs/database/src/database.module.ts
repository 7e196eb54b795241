// Nest wiring for the shared database: one pool per process, closed on shutdown.
import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';

import { createDatabase, Database, PoolOptions } from './database';
import { PgListener } from './pg-listener';

export const DATABASE = Symbol('DATABASE');

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** `options`: how this process's pool connects (the worker asks for server keepalives). */
  static forRoot(options: PoolOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE,
          inject: [CONFIG],
          useFactory: (config: AppConfig) => createDatabase(config.DATABASE_URL, config.DATABASE_POOL_SIZE, options),
        },
        PgListener,
      ],
      exports: [DATABASE, PgListener],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
