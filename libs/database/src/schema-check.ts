// Is the database's schema the one this build expects? The migrations in prisma/migrations
// are compared with those PostgreSQL has applied (Prisma's _prisma_migrations table), so a
// database that exists but was never (or not fully) migrated is refused at start-up and
// reported by readiness, instead of answering 500 to every request.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { DependencyUnavailableError, redactUrl } from '@app/config';

type Queryable = { query<R extends object>(sql: string): Promise<{ rows: R[] }> };

const UNDEFINED_TABLE = '42P01';

/** prisma/migrations of this checkout or image, found upwards from this file (src or dist). */
function migrationsDirectory(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`prisma/migrations not found above ${__dirname}`);
  }
}

let expected: string[] | undefined;

/** The migrations this build ships, oldest first. */
export function expectedMigrations(): string[] {
  expected ??= readdirSync(migrationsDirectory(), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return expected;
}

/** Migrations of this build that the database has not applied (all of them on a bare database). */
export async function pendingMigrations(db: Queryable): Promise<string[]> {
  try {
    const { rows } = await db.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((row) => row.migration_name));
    return expectedMigrations().filter((name) => !applied.has(name));
  } catch (error) {
    if ((error as { code?: string }).code === UNDEFINED_TABLE) return expectedMigrations();
    throw error;
  }
}

export const notMigratedMessage = (pending: string[]) =>
  `the database schema is not up to date (${pending.length} of ${expectedMigrations().length} migrations not applied): run "npm run db:migrate"`;

/** Start-up check for the API and worker: one clear line when the schema is not migrated. */
export async function checkSchema(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined); // a dropped connection fails the query in flight instead of the process
  await client.connect();
  try {
    const pending = await pendingMigrations(client);
    if (pending.length > 0) throw new DependencyUnavailableError(`PostgreSQL at ${redactUrl(databaseUrl)}: ${notMigratedMessage(pending)} first.`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
