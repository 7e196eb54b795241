// `cli keys`, `cli projections`, `cli status` and the CLI's exit codes and one-line errors,
// over real HTTP against the real API, PostgreSQL and a worker process.
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSampleFile } from '../scripts/cli/sample-events';
import { runCli } from './support/cli-process';
import { Harness, startHarness } from './support/projection-harness';
import { ADMIN_KEY } from './support/test-api';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const oneLineError = (stderr: string) => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^error: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
};

describe('cli keys, projections, status and errors', () => {
  let h: Harness;
  let dir: string;
  const cli = (args: string[], key: string | null = ADMIN_KEY) => runCli(args, { MT_URL: h.api.baseUrl, MT_API_KEY: key ?? undefined });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-cli-admin-'));
    h = await startHarness('cli_admin');
    const file = join(dir, 'events.ndjson');
    await writeSampleFile(file, 3000, 3, 'admin');
    expect(await cli(['import', file])).toMatchObject({ code: 0 });
    await h.quiesce();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists and revokes an API key; the revoked key stops working', async () => {
    const created = await cli(['keys', 'create', '--name', 'cli-ops', '--role', 'operator']);
    expect(created.code).toBe(0);
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.stdout)![1];
    const key = /^key: (\S+)$/m.exec(created.stdout)![1];

    const listed = await cli(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+cli-ops\\s+operator\\s+\\S+\\s+active$`, 'm'));
    expect(listed.stdout).not.toContain(key);

    // The new key works for what an operator may do, and not for an admin's job.
    expect(await cli(['export', '--mission', 'admin-0', '--out', join(dir, 'by-operator.ndjson')], key)).toMatchObject({ code: 0 });
    const forbidden = await cli(['keys', 'list'], key);
    expect(forbidden.code).toBe(1);
    oneLineError(forbidden.stderr);
    expect(forbidden.stderr).toMatch(/^error: HTTP 403: /);

    expect(await cli(['keys', 'revoke', id])).toMatchObject({ code: 0, stdout: `revoked key ${id}: it stops working at once\n` });
    expect((await cli(['keys', 'list'])).stdout).toMatch(new RegExp(`^${id}\\s+cli-ops\\s+operator\\s+\\S+\\s+revoked `, 'm'));
    const revoked = await cli(['export', '--mission', 'admin-0'], key);
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toMatch(/^error: HTTP 401: .*\(check --key or MT_API_KEY\)\n$/);

    const unknown = await cli(['keys', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    oneLineError(unknown.stderr);
  });

  it('refuses a role that does not exist before asking the server (usage error, exit 2)', async () => {
    const result = await cli(['keys', 'create', '--name', 'x', '--role', 'root']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: option '--role <role>' argument 'root' is invalid/);
  });

  it('lists the projections, and rebuilds one waiting until it is live again', async () => {
    const listed = await cli(['projections']);
    expect(listed.code).toBe(0);
    for (const name of ['personnel', 'funding', 'timeline', 'missions']) {
      expect(listed.stdout).toMatch(new RegExp(`^${name}\\s+live\\s+3000/3000\\s+0\\s+0`, 'm'));
    }

    const rebuilt = await cli(['projections', 'rebuild', 'funding', '--wait']);
    expect(rebuilt.stderr).not.toMatch(/error/);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(/^started rebuild of funding \(generation \d+\)\nrebuild of funding done: live again\n$/);
    expect(rebuilt.stderr).toMatch(/rebuild funding: 3000\/3000 positions \(100%\)\n$/);
    const after = await h.api.request('GET', '/v1/projections');
    expect(after.body.projections.find((p: { name: string }) => p.name === 'funding')).toMatchObject({ status: 'live', rebuild: null, position: 3000 });

    const unknown = await cli(['projections', 'rebuild', 'nope']);
    expect(unknown.code).toBe(1);
    oneLineError(unknown.stderr);
    expect(unknown.stderr).toMatch(/^error: HTTP 404: there is no projection "nope"/);
  }, 60_000);

  it('shows health, head position, lag and queue depth in a few lines', async () => {
    const result = await cli(['status']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toEqual([
      `api         ${h.api.baseUrl} ready (PostgreSQL up, Redis up)`,
      'head        position 3000',
      expect.stringMatching(/^lag         0 events, 0 s \(largest: \w+\); all 7 live$/),
      expect.stringMatching(/^queue       (\d+ \w+(, )?)+$/),
    ]);

    // A viewer key sees health and queue, and is told why the projections are missing.
    const viewer = await h.api.request('POST', '/v1/api-keys', { body: { name: 'cli-viewer', role: 'viewer' } });
    const limited = await cli(['status'], viewer.body.key);
    expect(limited.code).toBe(0);
    expect(limited.stdout).toMatch(/^projections unavailable \(HTTP 403: /m);
  });

  it('exits non-zero with one line when the API cannot be reached or the key is wrong', async () => {
    const port = await closedPort();
    const unreachable = await runCli(['status', '--url', `http://127.0.0.1:${port}`, '--key', ADMIN_KEY]);
    expect(unreachable.code).toBe(1);
    oneLineError(unreachable.stderr);
    expect(unreachable.stderr).toBe(`error: cannot reach http://127.0.0.1:${port}: connection refused (is the API running?)\n`);

    const notUrl = await runCli(['keys', 'list', '--url', 'localhost 3000']);
    expect(notUrl.code).toBe(2);
    oneLineError(notUrl.stderr);

    const badKey = await cli(['keys', 'list'], 'not-a-real-key');
    expect(badKey.code).toBe(1);
    oneLineError(badKey.stderr);
    expect(badKey.stderr).toMatch(/^error: HTTP 401: /);

    const noKey = await cli(['import', join(dir, 'events.ndjson')], null);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr.trim().split('\n').pop()).toMatch(/^error: lines \d+-\d+ \(mission admin-\d\) refused \(HTTP 401\): /);

    const missingFile = await cli(['import', join(dir, 'nope.ndjson')]);
    expect(missingFile).toMatchObject({ code: 1, stderr: `error: cannot read ${join(dir, 'nope.ndjson')}: no such file\n` });

    const unknownCommand = await cli(['frobnicate']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^error: unknown command 'frobnicate'/);
  });

  it('runs as `npm run cli -- <command>`', async () => {
    writeFileSync(join(dir, 'empty.ndjson'), '\n');
    const { spawnSync } = await import('node:child_process');
    const run = spawnSync('npm', ['run', '--silent', 'cli', '--', 'import', join(dir, 'empty.ndjson')], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, MT_URL: h.api.baseUrl, MT_API_KEY: ADMIN_KEY },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${join(dir, 'empty.ndjson')} holds no events; nothing to append\n`);
  });
});
