// Start-up check: a missing PostgreSQL is reported in one clear line (which, where,
// how to start it) instead of a stack trace.
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

/**
 * PostgreSQL. `databaseMayBeMissing`: for commands that run the migrations, which create it.
 * (Redis, single or a cluster, is checked by checkRedis in libs/queues, which owns its clients.)
 */
export async function checkDependencies(config: AppConfig, options: { databaseMayBeMissing?: boolean } = {}): Promise<void> {
  await checkPostgres(config.DATABASE_URL, options.databaseMayBeMissing ?? false);
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
