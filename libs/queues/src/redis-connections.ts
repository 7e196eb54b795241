// Opens every Redis client, BullMQ producer and BullMQ worker of a process, with the settings
// of its use (redis-connection.ts), and closes them all on shutdown: workers first (each
// finishes its job), then producers, then the clients under them. A graceful close waits for
// Redis, so while Redis (or the cluster) is away it is bounded: after SHUTDOWN_TIMEOUT_MS the
// connections are dropped, which ends whatever waited on them. Consumers ask in their
// onModuleInit or onApplicationBootstrap, never in a constructor.
//
// BullMQ is given client instances, never options: a Redis Cluster can only be passed as an
// ioredis Cluster instance, and one path for both keeps the single Redis and the cluster
// alike. Every queue and worker of one use shares that use's client (a worker duplicates it
// for its blocking connection, which the worker owns and closes).
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { Processor, Queue, Worker } from 'bullmq';
import { AppConfig, CONFIG } from '@app/config';
import { openRedis, RedisClient, RedisClientUse } from './redis-connection';
import { queuePrefix, QueueSpec } from './queues';

type BullUse = Extract<RedisClientUse, 'worker' | 'nudger' | 'board'>;

@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly clients: RedisClient[] = [];
  private readonly shared = new Map<BullUse, RedisClient>();
  private readonly queues: Queue[] = [];
  private readonly workers: Worker[] = [];

  constructor(@Inject(CONFIG) private readonly config: AppConfig) {}

  /**
   * A plain client (an ioredis Cluster on a cluster). Its 'error' events are dropped (ioredis
   * reconnects by itself): callers see Redis being away in their commands and decide what
   * that means.
   */
  client(use: Extract<RedisClientUse, 'rateLimiter' | 'health'>): RedisClient {
    const client = openRedis(this.config, use);
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** A BullMQ producer (adds jobs, reads counts) for one queue of the table in queues.ts. */
  queue(spec: QueueSpec, use: BullUse): Queue {
    const queue = new Queue(spec.name, { prefix: queuePrefix(this.config), connection: this.sharedClient(use), defaultJobOptions: spec.defaultJobOptions });
    queue.on('error', () => undefined); // as above: Redis down shows in the calls
    this.queues.push(queue);
    return queue;
  }

  /**
   * A BullMQ worker for one queue, with the table's concurrency. `onError` hears its
   * connection errors (BullMQ reconnects by itself).
   */
  worker(spec: QueueSpec, process: Processor, onError: (error: Error) => void): Worker {
    const worker = new Worker(spec.name, process, { prefix: queuePrefix(this.config), connection: this.sharedClient('worker'), concurrency: spec.concurrency });
    worker.on('error', onError);
    this.workers.push(worker);
    return worker;
  }

  private sharedClient(use: BullUse): RedisClient {
    let client = this.shared.get(use);
    if (!client) {
      client = openRedis(this.config, use);
      client.on('error', () => undefined); // BullMQ reports its own errors on its queues and workers
      this.shared.set(use, client);
      this.clients.push(client);
    }
    return client;
  }

  async onApplicationShutdown(): Promise<void> {
    const closed = (closing: Promise<unknown>[], ms: number) =>
      Promise.race([Promise.all(closing).then(() => true), delay(ms, false, { ref: false })]);
    const workersClosed = await closed(
      this.workers.map((worker) => worker.close().catch(() => undefined)),
      this.config.SHUTDOWN_TIMEOUT_MS,
    );
    const queuesClosed = await closed(
      this.queues.map((queue) => queue.close().catch(() => undefined)),
      workersClosed ? this.config.SHUTDOWN_TIMEOUT_MS : 0,
    );
    if (!workersClosed || !queuesClosed) {
      // Redis is away: drop the connections BullMQ opened itself (blocking clients) too.
      await closed([...this.workers, ...this.queues].map((bull) => bull.disconnect().catch(() => undefined)), 1_000);
    }
    for (const client of this.clients) client.disconnect();
  }
}
