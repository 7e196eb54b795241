import { Injectable, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisConnections } from '@app/queues';

/** A small Redis connection for readiness checks (the caller bounds each ping with a timeout). */
@Injectable()
export class RedisHealth implements OnModuleInit {
  private client?: Redis;

  constructor(private readonly connections: RedisConnections) {}

  onModuleInit(): void {
    this.client = this.connections.client('health'); // closed by RedisConnections
    void this.client.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    if (!this.client) throw new Error('Redis readiness client not started');
    await this.client.ping();
  }
}
