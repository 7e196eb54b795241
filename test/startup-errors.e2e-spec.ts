// Start-up with a dependency missing, as a user meets it: each command (the built dist/ of
// `npm start`, `start:api`, `start:worker`, `db:migrate`, `seed`) exits non-zero with one
// clear line naming what is missing, where, and how to start it — no stack trace. The API
// and the worker also refuse a database that exists but was never migrated.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, databaseUrl, runId, TEST_REDIS_URL } from './support/environment';
import { createTestDatabase, TestDatabase } from './support/test-database';

const DIST = join(__dirname, '..', 'dist');
const COMMANDS = {
  start: 'scripts/start.js',
  'start:api': 'apps/api/src/main.js',
  'start:worker': 'apps/worker/src/main.js',
  'db:migrate': 'scripts/migrate.js',
  seed: 'scripts/seed.js',
} as const;
type Command = keyof typeof COMMANDS;

interface Run {
  code: number | null;
  output: string;
}

/**
 * Each command exits by itself once it has printed its line; this kill is only a backstop
 * for a hung process, far beyond what a loaded machine needs (the runs are bounded below).
 */
const HUNG_AFTER_MS = 120_000;
/** Children at once: a few, not all eleven (under load each then started too slowly). */
const CONCURRENCY = Math.max(1, Math.min(3, availableParallelism()));

function run(command: Command, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(DIST, COMMANDS[command])], {
      env: { PATH: process.env.PATH ?? '', BOOTSTRAP_ADMIN_KEY: 'test-bootstrap-admin-key-0123456789', LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', REDIS_PREFIX: `mt-test-startup-${runId()}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), HUNG_AFTER_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Runs the tasks, at most `limit` at a time. */
async function inBatchesOf(limit: number, tasks: Array<() => Promise<void>>): Promise<void> {
  const queue = [...tasks];
  const lane = async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function expectOneClearLine(result: Run, ...mentions: RegExp[]): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  const lines = result.output.trim().split('\n');
  expect({ lines: lines.length, output: result.output }).toEqual({ lines: 1, output: result.output });
  expect(result.output).not.toMatch(/^\s+at /m);
  for (const mention of mentions) expect(result.output).toMatch(mention);
}

describe('start-up with a dependency missing', () => {
  let db: TestDatabase;
  let bareDatabaseUrl: string;
  const results = new Map<string, Run>();

  beforeAll(async () => {
    db = await createTestDatabase('startup');
    // A database that exists but was never migrated.
    const bareName = `mt_test_${runId()}_bare_${Date.now()}`;
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${bareName}"`).finally(() => admin.end());
    bareDatabaseUrl = databaseUrl(bareName);

    const pgPort = await closedPort();
    const redisPort = await closedPort();
    const noPostgres = { DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/missions`, REDIS_URL: TEST_REDIS_URL };
    const noRedis = { DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    const notMigrated = { DATABASE_URL: bareDatabaseUrl, REDIS_URL: TEST_REDIS_URL };
    // A few at a time: each is a short-lived process that exits once it has said its line.
    const runs: Array<[string, Command, Record<string, string>]> = [
      ...(Object.keys(COMMANDS) as Command[]).map((c): [string, Command, Record<string, string>] => [`${c} without PostgreSQL`, c, noPostgres]),
      ...(['start', 'start:api', 'start:worker', 'seed'] as Command[]).map((c): [string, Command, Record<string, string>] => [`${c} without Redis`, c, noRedis]),
      ['start:api on a database never migrated', 'start:api', notMigrated],
      ['start:worker on a database never migrated', 'start:worker', notMigrated],
    ];
    await inBatchesOf(
      CONCURRENCY,
      runs.map(([name, command, env]) => async () => {
        results.set(name, await run(command, env));
      }),
    );
  }, 11 * HUNG_AFTER_MS);

  afterAll(async () => {
    await db.drop();
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${new URL(bareDatabaseUrl).pathname.slice(1)}" WITH (FORCE)`).finally(() => admin.end());
  });

  it.each(Object.keys(COMMANDS))('%s without PostgreSQL: one line naming it, where, and how to start it', (command) => {
    expectOneClearLine(results.get(`${command} without PostgreSQL`)!, /PostgreSQL/, /127\.0\.0\.1:\d+/, /start it|pg_ctlcluster|docker compose/i, /DATABASE_URL/);
  });

  it.each(['start', 'start:api', 'start:worker', 'seed'])('%s without Redis: one line naming it, where, and how to start it', (command) => {
    expectOneClearLine(results.get(`${command} without Redis`)!, /Redis/, /127\.0\.0\.1:\d+/, /ECONNREFUSED/, /redis-server|docker compose/, /REDIS_URL/);
  });

  it.each(['start:api', 'start:worker'])('%s on a database that was never migrated: one line saying to run db:migrate', (command) => {
    expectOneClearLine(results.get(`${command} on a database never migrated`)!, /not up to date/, /npm run db:migrate/);
  });
});
