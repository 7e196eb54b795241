// Every Redis connection's settings, in one place, and the one place that decides between a
// single Redis (REDIS_URL) and a Redis Cluster (REDIS_CLUSTER_NODES): a client cannot be
// opened without saying how it behaves while Redis is away, and no caller knows which of the
// two it got. RedisConnections (redis-connections.ts) opens and closes them for the processes.
import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { AppConfig, redactUrl } from '@app/config';

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
  /** The start-up check: one attempt, no reconnection, so a missing Redis is one clear line. */
  startupCheck: { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 3_000, retryStrategy: () => null },
  /** Tests and benchmarks deleting the keys of their prefix: wait for Redis like a worker. */
  tooling: { maxRetriesPerRequest: null },
} as const satisfies Record<string, RedisOptions>;

export type RedisClientUse = keyof typeof REDIS_CLIENTS;
export type RedisClient = Redis | Cluster;

/**
 * Settings of every cluster client on top of its use's. The slot map is refreshed every 5 s,
 * so a master that failed over or came back on its port is found without waiting for a MOVED
 * reply, and a refresh gets 2 s (ioredis' 1 s fails on a busy machine as "Failed to refresh
 * slots cache", which BullMQ answers by reconnecting its blocking client). No `keyPrefix`:
 * BullMQ refuses one; keys carry REDIS_PREFIX themselves (queues.ts).
 */
const CLUSTER_SETTINGS = { slotsRefreshInterval: 5_000, slotsRefreshTimeout: 2_000 } as const satisfies ClusterOptions;

/**
 * A use's settings as ioredis Cluster takes them: the offline queue, lazy connecting and the
 * reconnection strategy belong to the cluster client, the rest to its connection to each node.
 */
export function clusterOptions(settings: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, lazyConnect, retryStrategy, ...perNode } = settings;
  return {
    ...CLUSTER_SETTINGS,
    ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
    ...(lazyConnect !== undefined && { lazyConnect }),
    ...(retryStrategy !== undefined && { clusterRetryStrategy: retryStrategy }),
    redisOptions: perNode,
  };
}

/** Where Redis is, for messages: the REDIS_URL or the cluster's seeds. */
export function redisLocation(config: AppConfig): string {
  if (config.REDIS_CLUSTER_NODES.length === 0) return redactUrl(config.REDIS_URL);
  return `Redis Cluster ${config.REDIS_CLUSTER_NODES.map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)).join(',')}`;
}

/**
 * A new client for one use: an ioredis Cluster when REDIS_CLUSTER_NODES is set, else a
 * client of REDIS_URL. The caller owns it (RedisConnections closes the processes' own).
 */
export function openRedis(config: AppConfig, use: RedisClientUse): RedisClient {
  const settings: RedisOptions = { ...REDIS_CLIENTS[use] };
  if (config.REDIS_CLUSTER_NODES.length > 0) return new Cluster(config.REDIS_CLUSTER_NODES.map((node) => ({ ...node })), clusterOptions(settings));
  return new Redis(config.REDIS_URL, settings);
}

export const isCluster = (client: RedisClient): client is Cluster => (client as Cluster).isCluster === true;

/**
 * The servers that hold keys: the masters of a cluster (commands without a key, such as
 * SCAN or a readiness PING, reach one arbitrary node otherwise), or the one Redis.
 */
export function mastersOf(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/** Every key of this deployment (queues, rate-limit counts) starts with `<REDIS_PREFIX>:`. */
export const redisKeyPattern = (prefix: string): string => `${prefix}:*`;

/**
 * Deletes every key of a REDIS_PREFIX on every master, one key per command (on a cluster,
 * keys of different slots cannot be deleted together). For tests and benchmarks.
 */
export async function deleteKeysOfPrefix(client: RedisClient, prefix: string): Promise<number> {
  if (isCluster(client) && client.status !== 'ready') await new Promise((resolve, reject) => client.once('ready', resolve).once('error', reject));
  let deleted = 0;
  for (const node of mastersOf(client)) {
    for await (const keys of node.scanStream({ match: redisKeyPattern(prefix), count: 500 })) {
      const batch = node.pipeline();
      for (const key of keys as string[]) batch.unlink(key);
      if ((keys as string[]).length) deleted += ((await batch.exec()) ?? []).filter(([error]) => !error).length;
    }
  }
  return deleted;
}
