import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, CONFIG } from '@app/config';

/** A small Redis connection for readiness checks (the caller bounds each ping with a timeout). */
@Injectable()
export class RedisHealth implements OnModuleInit, OnApplicationShutdown {
  private readonly client: Redis;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.client = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    this.client.on('error', () => undefined);
  }

  onModuleInit(): void {
    void this.client.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }
}
