import { loadConfig } from '@app/config';
import { deleteKeysOfPrefix, openRedis } from '@app/queues';

/** Where a process under test found Redis: a REDIS_URL, or the env it was given (REDIS_URL or REDIS_CLUSTER_NODES). */
export type RedisTarget = string | { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string };

/** Deletes every key of a REDIS_PREFIX (`<prefix>:...`), on a single Redis or every master of a cluster. */
export async function deleteRedisPrefix(target: RedisTarget, prefix: string): Promise<number> {
  const env = typeof target === 'string' ? { REDIS_URL: target } : target;
  const redis = openRedis(loadConfig({ ...env, REDIS_PREFIX: prefix }), 'tooling');
  redis.on('error', () => undefined);
  try {
    return await deleteKeysOfPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
