// What a person sees when they start the service at the default log level: the line they need
// (where the API listens, the dashboard and the docs; that the worker runs) comes first, not
// after some 50 lines of Nest's route mapping and module wiring, which LOG_LEVEL=debug shows.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runId, TEST_REDIS_URL } from './support/environment';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { createTestDatabase, TestDatabase } from './support/test-database';

const DIST = join(__dirname, '..', 'dist');

/** Starts a built process with no LOG_LEVEL (or the one given), until `ready` is printed; then stops it. */
function startUntil(main: string, ready: RegExp, env: Record<string, string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // Only what a user would have set: no LOG_LEVEL unless the test gives one.
    const child = spawn(process.execPath, [join(DIST, main)], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const check = () => {
      if (!ready.test(output)) return;
      child.kill('SIGTERM');
    };
    child.stdout.on('data', (chunk) => {
      output += chunk;
      check();
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', () => {
      if (ready.test(output)) resolve(output.split('\n').filter(Boolean));
      else reject(new Error(`${main} exited before printing ${ready}:\n${output}`));
    });
  });
}

const isRouteMapping = (line: string) => /Mapped \{|RoutesResolver|RouterExplorer|InstanceLoader|dependencies initialized/.test(line);

describe('start-up output at the default log level', () => {
  let db: TestDatabase;
  const prefix = `mt-test-startup-output-${runId()}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('startup_output');
    env = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, BOOTSTRAP_ADMIN_KEY: 'test-bootstrap-admin-key-0123456789', PORT: '0', HOST: '127.0.0.1' };
  });
  afterAll(async () => {
    await deleteRedisPrefix(TEST_REDIS_URL, prefix).catch(() => undefined);
    await db?.drop();
  });

  it('the API prints where it listens, with nothing of the framework before it', async () => {
    const lines = await startUntil('apps/api/src/main.js', /API listening on/, env);
    const listening = lines.findIndex((line) => line.includes('API listening on'));
    expect(lines.filter(isRouteMapping)).toEqual([]);
    // Whatever comes before the line is at most a couple of lines of ours, not a screenful.
    expect(lines.slice(0, listening).length).toBeLessThanOrEqual(2);
    expect(lines[listening]).toMatch(/^API listening on http:\/\/localhost:\d+ · dashboard http:\/\/localhost:\d+\/ · API docs .*\/docs · OpenAPI .*\/docs-json$/);
  }, 60_000);

  it('the worker prints that it runs, with nothing of the framework before it', async () => {
    const lines = await startUntil('apps/worker/src/main.js', /worker running/, env);
    expect(lines.filter(isRouteMapping)).toEqual([]);
    expect(lines.findIndex((line) => line.startsWith('worker running'))).toBeLessThanOrEqual(2);
  }, 60_000);

  it('LOG_LEVEL=debug shows the route mapping again, as debug lines', async () => {
    const lines = await startUntil('apps/api/src/main.js', /API listening on/, { ...env, LOG_LEVEL: 'debug' });
    const mapped = lines.filter((line) => line.includes('Mapped {/v1/missions, GET} route'));
    expect(mapped).toHaveLength(1);
    expect(JSON.parse(mapped[0])).toMatchObject({ level: 20, context: 'RouterExplorer' });
  }, 60_000);
});
