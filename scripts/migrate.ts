// `npm run db:migrate`: creates the database when missing, then `prisma migrate deploy`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { checkDependencies, loadConfig, runMain, redactUrl } from '@app/config';
import { ensureDatabaseExists, pendingMigrations } from '@app/database';

const ROOT = join(__dirname, '..', '..');

/** Migrations in prisma/migrations that the database has not applied yet. */
async function pendingIn(databaseUrl: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined); // a dropped connection fails the query in flight instead of the process
  await client.connect();
  try {
    return await pendingMigrations(client);
  } finally {
    await client.end();
  }
}

export async function migrate(databaseUrl: string, quiet = false): Promise<void> {
  if (await ensureDatabaseExists(databaseUrl)) {
    if (!quiet) console.log(`created database ${redactUrl(databaseUrl)}`);
  }
  // The Prisma CLI takes ~10 s to exit (a timer in its WebAssembly engine): skip it when
  // there is nothing to apply.
  const pending = await pendingIn(databaseUrl);
  if (pending.length === 0) {
    if (!quiet) console.log('database schema is up to date');
    return;
  }
  const prisma = join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
  const result = spawnSync(process.execPath, [prisma, 'migrate', 'deploy'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`prisma migrate deploy failed:\n${result.stdout}\n${result.stderr}`);
  }
  if (!quiet) console.log(result.stdout.trim().split('\n').pop());
}

if (require.main === module) {
  runMain(async () => {
    const config = loadConfig();
    // Migrations need PostgreSQL only.
    await checkDependencies(config, { databaseMayBeMissing: true });
    await migrate(config.DATABASE_URL);
  });
}
