// Every Redis connection's settings, in one place: a client cannot be opened without saying
// how it behaves while Redis is away. (Redis Cluster later: change this file and
// RedisConnections, nothing else.)
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { AppConfig } from '@app/config';

export const REDIS_CLIENTS = {
  /** BullMQ workers block on Redis and retry for ever (BullMQ requires maxRetriesPerRequest null). */
  worker: { maxRetriesPerRequest: null },
  /** The queue board's queues: its pages wait for Redis like the workers; the API carries on. */
  board: { maxRetriesPerRequest: null },
  /** The nudger: fails fast while Redis is down, because an append must never wait on Redis. */
  nudger: { enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  /** Rate limiting: queues nothing and gives up on a command quickly; the request then passes. */
  rateLimiter: { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 100, connectTimeout: 2_000 },
  /** Readiness pings (the caller bounds each with a timeout); connected at start-up. */
  health: { lazyConnect: true, maxRetriesPerRequest: 0 },
} as const satisfies Record<string, RedisOptions>;

export type RedisClientUse = keyof typeof REDIS_CLIENTS;

/** The URL and the settings of one use: ioredis takes `(url, settings)`, BullMQ `{ url, ...settings }`. */
export function redisConnection(config: AppConfig, use: RedisClientUse): { url: string; settings: RedisOptions } {
  return { url: config.REDIS_URL, settings: { ...REDIS_CLIENTS[use] } };
}

/** The same, as BullMQ's connection option (BullMQ opens the client itself, and closes it). */
export function bullConnection(config: AppConfig, use: RedisClientUse): ConnectionOptions {
  const { url, settings } = redisConnection(config, use);
  return { url, ...settings } as ConnectionOptions;
}
