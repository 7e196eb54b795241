// Once per `npm test`: a template database with every migration applied, which each suite
// clones (CREATE DATABASE ... TEMPLATE is fast; migrating per suite would not be).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, databaseUrl, templateDatabase } from './environment';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalSetup(): Promise<void> {
  process.env.MT_TEST_RUN = String(process.pid);
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    // Databases left by runs that died (their process is gone).
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'mt\\_test\\_%'");
    for (const { datname } of rows) {
      const pid = Number(/^mt_test_(\d+)_/.exec(datname)?.[1]);
      if (!pid || !isRunning(pid)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE "${templateDatabase()}"`);
  } finally {
    await admin.end();
  }
  const root = join(__dirname, '..', '..');
  const result = spawnSync(process.execPath, [join(root, 'node_modules/prisma/build/index.js'), 'migrate', 'deploy'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl(templateDatabase()), CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`migrating the test template failed:\n${result.stdout}\n${result.stderr}`);
}
