// `npm run db:migrate`: creates the database when missing, then `prisma migrate deploy`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig, runMain, redactUrl } from '@app/config';
import { ensureDatabaseExists } from '@app/database';

const ROOT = join(__dirname, '..', '..');

export async function migrate(databaseUrl: string, quiet = false): Promise<void> {
  if (await ensureDatabaseExists(databaseUrl)) {
    if (!quiet) console.log(`created database ${redactUrl(databaseUrl)}`);
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
    await migrate(config.DATABASE_URL);
  });
}
