// Start-up check: a missing PostgreSQL or Redis is reported in one clear line (which, where,
// how to start it) instead of a stack trace.
import Redis from 'ioredis';
import { Client } from 'pg';
import { AppConfig, redactUrl } from './config';

export class DependencyUnavailableError extends Error {}

const UNDEFINED_DATABASE = '3D000';

async function checkPostgres(url: string, databaseMayBeMissing: boolean): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a dropped connection fails the query in flight instead of the process
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_DATABASE) {
      if (databaseMayBeMissing) return; // the server is up; migrations create the database
      throw new DependencyUnavailableError(
        `PostgreSQL at ${redactUrl(url)} has no such database yet: run "npm run db:migrate" (or "npm start") first.`,
      );
    }
    const reason = (error as Error).message || (error as { code?: string }).code || 'unreachable';
    throw new DependencyUnavailableError(
      `PostgreSQL is not reachable at ${redactUrl(url)} (${reason}). Start it (for example: pg_ctlcluster --skip-systemctl-redirect 15 main start, or docker compose up -d postgres) or set DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 3_000, retryStrategy: () => null });
  // connect() rejects with a bare "Connection is closed"; the 'error' event says why.
  let cause: Error | undefined;
  client.on('error', (error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new DependencyUnavailableError(
      `Redis is not reachable at ${redactUrl(url)} (${(cause ?? (error as Error)).message}). Start it (for example: redis-server --daemonize yes, or docker compose up -d redis) or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
}

/**
 * `databaseMayBeMissing`: for commands that run the migrations, which create it.
 * `redis: false`: for commands that do not use Redis (the migrations).
 */
export async function checkDependencies(config: AppConfig, options: { databaseMayBeMissing?: boolean; redis?: boolean } = {}): Promise<void> {
  await checkPostgres(config.DATABASE_URL, options.databaseMayBeMissing ?? false);
  if (options.redis ?? true) await checkRedis(config.REDIS_URL);
}

/** Runs a process's main; configuration and dependency problems print one line and exit 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error) => {
    if (error instanceof DependencyUnavailableError || error?.constructor?.name === 'ConfigError') {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  });
}
