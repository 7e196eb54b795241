// A measuring tool's own service: a fresh database and Redis key prefix, the built API and
// worker processes against them, and the cleanup of both afterwards.
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '@app/config';
import { migrate } from '../../scripts/migrate';
import { ServiceProcess, startService } from './processes';

export interface BenchEnvironment {
  stamp: string;
  databaseName: string;
  databaseUrl: string;
  /** The `postgres` maintenance database of the same server (for pg_stat_* without counting ourselves). */
  adminUrl: string;
  baseUrl: string;
  adminKey: string;
  api: ServiceProcess;
  worker: ServiceProcess;
  dispose(): Promise<void>;
}

/** `name` prefixes the database (mt_<name>_<stamp>) and the Redis prefix ({mt-<name>-<stamp>}). */
export async function startBenchEnvironment(name: string, port: number, extraEnv: Record<string, string> = {}): Promise<BenchEnvironment> {
  const base = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const url = new URL(base.DATABASE_URL);
  const databaseName = `mt_${name}_${stamp.replace(/-/g, '_').toLowerCase()}`;
  url.pathname = `/${databaseName}`;
  const databaseUrl = url.toString();
  url.pathname = '/postgres';
  const adminUrl = url.toString();
  const redisPrefix = `mt-${name}-${stamp}`;
  const adminKey = `${name}-admin-key-0123456789abcdef`;
  await migrate(databaseUrl, true);

  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: base.REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    BOOTSTRAP_ADMIN_KEY: adminKey,
    PORT: String(port),
    HOST: '127.0.0.1',
    // A load test is one client far above any per-key limit on purpose.
    RATE_LIMIT_PER_MINUTE: '0',
    // The viewers load test opens 1,000 streams with the one admin key.
    LIVE_STREAMS_PER_KEY: '100000',
    ...extraEnv,
  };
  const started: ServiceProcess[] = [];
  const dispose = async () => {
    for (const service of started) await service.stop();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const redis = new Redis(base.REDIS_URL);
    for await (const keys of redis.scanStream({ match: `${redisPrefix}:*`, count: 500 })) {
      if ((keys as string[]).length) await redis.del(...(keys as string[]));
    }
    redis.disconnect();
  };
  try {
    started.push(await startService('api', env, 'API listening'));
    started.push(await startService('worker', env, 'worker running'));
  } catch (error) {
    await dispose();
    throw error;
  }
  return { stamp, databaseName, databaseUrl, adminUrl, baseUrl: `http://127.0.0.1:${port}`, adminKey, api: started[0], worker: started[1], dispose };
}
