// Opens every Redis client and BullMQ producer of a process, with the settings of its use
// (redis-connection.ts), and closes them all on shutdown. Consumers ask for a client in
// their onModuleInit, never in a constructor.
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { AppConfig, CONFIG } from '@app/config';
import { bullConnection, redisConnection } from './redis-connection';
import { QUEUES, queuePrefix } from './queues';

type QueueName = keyof typeof QUEUES;

@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly clients: Redis[] = [];
  private readonly queues: Queue[] = [];

  constructor(@Inject(CONFIG) private readonly config: AppConfig) {}

  /**
   * A plain ioredis client. Its 'error' events are dropped (ioredis reconnects by itself):
   * callers see Redis being away in their commands and decide what that means.
   */
  client(use: 'rateLimiter' | 'health'): Redis {
    const { url, settings } = redisConnection(this.config, use);
    const client = new Redis(url, settings);
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** A BullMQ producer (adds jobs, reads counts) for one queue of the table in queues.ts. */
  queue(name: QueueName, use: 'nudger' | 'board'): Queue {
    const settings = QUEUES[name];
    const queue = new Queue(settings.name, {
      prefix: queuePrefix(this.config),
      connection: bullConnection(this.config, use),
      defaultJobOptions: settings.defaultJobOptions,
    });
    queue.on('error', () => undefined); // as above: Redis down shows in the calls
    this.queues.push(queue);
    return queue;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close().catch(() => undefined)));
    for (const client of this.clients) client.disconnect();
  }
}
