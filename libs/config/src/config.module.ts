import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './config';

export const CONFIG = Symbol('CONFIG');

/** Provides the configuration validated once in main.ts. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}
