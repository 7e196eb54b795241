// `cli import` and `cli export` over real HTTP against the real API and PostgreSQL: a bad line
// appends nothing and is named; a re-run, and a run resumed after a kill, append each event
// exactly once; an export imported into an empty database recreates the same streams.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSampleFile } from '../scripts/cli/sample-events';
import { runCli, startCli } from './support/cli-process';
import { expectEventually } from './support/eventually';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';

interface Envelope {
  missionId: string;
  version: number;
  position: number;
  type: string;
  occurredAt: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const established = (missionId: string) => ({ missionId, type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Mission ${missionId}`, hostCountry: 'HTI' } });
const pledged = (missionId: string, personnel: number) => ({ missionId, type: 'PersonnelPledged', occurredAt: '2024-02-01', data: { country: 'KEN', personnel } });
const ndjson = (lines: unknown[]) => lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';

describe('cli import / export', () => {
  let dir: string;
  let db: TestDatabase;
  let api: TestApi;
  const env = () => ({ MT_URL: api.baseUrl, MT_API_KEY: ADMIN_KEY });

  async function eventCount(database: TestDatabase = db): Promise<number> {
    const { rows } = await database.pool.query<{ count: string }>('SELECT count(*) FROM events');
    return Number(rows[0].count);
  }

  async function exported(target: TestApi, args: string[] = []): Promise<Envelope[]> {
    const out = join(dir, `export-${Math.random().toString(36).slice(2)}.ndjson`);
    const result = await runCli(['export', '--out', out, ...args], { MT_URL: target.baseUrl, MT_API_KEY: ADMIN_KEY });
    expect(result).toMatchObject({ code: 0 });
    return readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  /** What import must reproduce of a stream: everything but ids, positions and times of recording. */
  const streamsOf = (events: Envelope[]) =>
    events.map(({ missionId, version, type, occurredAt, data, metadata }) => {
      const { actor: _actor, ...rest } = metadata;
      return { missionId, version, type, occurredAt, data, metadata: rest };
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mt-cli-'));
    db = await createTestDatabase('cli_import');
    api = await startTestApi(db.url);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names every bad line with its path and appends nothing when one line is bad', async () => {
    const file = join(dir, 'bad.ndjson');
    writeFileSync(
      file,
      ndjson([
        established('bad-line'),
        pledged('bad-line', 10),
        { ...pledged('bad-line', 1.5), extra: true },
        '{"missionId": "bad-line", "type": ',
        '',
        { ...pledged('Not_A_Mission', 3) },
        pledged('bad-line', 20),
      ]),
    );
    const before = await eventCount();
    const result = await runCli(['import', file], env());
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      'line 3: extra: is not a known field',
      'line 3: data.personnel: must be an integer',
      expect.stringMatching(/^line 4: \(line\): is not valid JSON/),
      expect.stringMatching(/^line 6: missionId: must match/),
      `error: 3 bad lines in ${file}; nothing was appended`,
    ]);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(await eventCount()).toBe(before);
  });

  it('imports a file in order, and a second run of it appends nothing', async () => {
    const file = join(dir, 'twice.ndjson');
    // 2,500 events of one mission and a few of another, interleaved: several batches each.
    const lines: unknown[] = [established('twice-a'), established('twice-b')];
    for (let i = 1; i <= 2500; i++) lines.push(pledged(i % 100 === 0 ? 'twice-b' : 'twice-a', i));
    writeFileSync(file, ndjson(lines));
    const before = await eventCount();

    const first = await runCli(['import', file], env());
    expect(first.stderr).not.toMatch(/error/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^imported 2502 events into 2 missions in [\d.]+ s \(\d+ events\/s\)\n$/);
    expect(await eventCount()).toBe(before + 2502);

    const second = await runCli(['import', file], env());
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^imported 0 new events \(2502 already in the log\) into 2 missions in [\d.]+ s \(\d+ events\/s\)\n$/);
    expect(await eventCount()).toBe(before + 2502);

    const stream = (await exported(api, ['--mission', 'twice-a'])).map((e) => e.data as { personnel?: number });
    expect(stream.map((data) => data.personnel ?? 0)).toEqual([0, ...Array.from({ length: 2500 }, (_, i) => i + 1).filter((i) => i % 100 !== 0)]);
  });

  it('a re-run with another key, or after the idempotency keys are gone, appends nothing twice', async () => {
    // The audit's file: a pledge, a departure and a disbursement for a mission that exists.
    const missionId = 'rerun-keys';
    expect((await api.request('POST', `/v1/missions/${missionId}/events`, { body: { events: [{ type: 'MissionEstablished', occurredAt: '2023-10-02', data: { name: 'Re-run', hostCountry: 'HTI' } }] } })).status).toBe(201);
    const file = join(dir, 'rerun-keys.ndjson');
    writeFileSync(
      file,
      ndjson([
        { missionId, type: 'PersonnelPledged', occurredAt: '2023-07-29', data: { country: 'KEN', personnel: 1000 } },
        { missionId, type: 'ContingentDeparted', occurredAt: '2024-06-24T18:00:00Z', data: { country: 'KEN', personnel: 400 } },
        { missionId, type: 'FundingDisbursed', occurredAt: '2024-07-01', data: { donor: 'USA', amount: '1000000', currency: 'USD' } },
      ]),
    );
    const operatorKey = async (name: string) => (await api.request('POST', '/v1/api-keys', { body: { name, role: 'operator' } })).body.key as string;
    const keyA = await operatorKey('importer-a');
    const keyB = await operatorKey('importer-b');
    const importWith = (key: string) => runCli(['import', file], { MT_URL: api.baseUrl, MT_API_KEY: key });
    const streamLength = async () => (await exported(api, ['--mission', missionId])).length;

    expect((await importWith(keyA)).stdout).toMatch(/^imported 3 events into 1 mission /);
    expect((await importWith(keyA)).stdout).toMatch(/^imported 0 new events \(3 already in the log\) into 1 mission /);
    const withB = await importWith(keyB);
    expect(withB.stdout).toMatch(/^imported 0 new events \(3 already in the log\) into 1 mission /);
    // As if a day had passed: the server's idempotency keys are purged.
    await db.pool.query('DELETE FROM idempotency_keys');
    expect((await importWith(keyB)).stdout).toMatch(/^imported 0 new events \(3 already in the log\) into 1 mission /);
    expect(await streamLength()).toBe(4);

    // No worker runs here: an asOf read folds the log itself.
    const read = async (model: string) => (await api.request('GET', `/v1/missions/${missionId}/${model}?asOf=2030-01-01`)).body;
    expect(await read('personnel')).toMatchObject({ pledged: 1000, departed: 400 });
    expect((await read('funding')).byCurrency).toEqual([{ currency: 'USD', pledged: '0', committed: '0', disbursed: '1000000' }]);
  });

  it('two imports of one file racing with different keys append each event once; repeated lines are kept', async () => {
    const keys = await Promise.all(['race-a', 'race-b'].map(async (name) => (await api.request('POST', '/v1/api-keys', { body: { name, role: 'operator' } })).body.key as string));
    for (let round = 0; round < 3; round++) {
      const missionId = `race-${round}`;
      const lines: unknown[] = [established(missionId)];
      // The same pledge many times over: identical lines are separate events, not one.
      for (let i = 0; i < 1500; i++) lines.push(pledged(missionId, (i % 3) + 1));
      const file = join(dir, `${missionId}.ndjson`);
      writeFileSync(file, ndjson(lines));
      const runs = await Promise.all(keys.map((key) => runCli(['import', file], { MT_URL: api.baseUrl, MT_API_KEY: key })));
      for (const run of runs) expect(run).toMatchObject({ code: 0 });
      const stream = await exported(api, ['--mission', missionId]);
      expect(stream.map((e) => [e.type, e.data])).toEqual((lines as { type: string; data: unknown }[]).map((e) => [e.type, e.data]));
    }
  }, 120_000);

  it('stops at an event the server refuses, naming its line; the corrected file then goes in once', async () => {
    const file = join(dir, 'refused.ndjson');
    const lines = [established('refused'), pledged('refused', 5), { missionId: 'refused', type: 'PersonnelWithdrawn', occurredAt: '2024-03-01', data: { country: 'KEN', personnel: 5 } }];
    writeFileSync(file, ndjson(lines));
    const before = await eventCount();
    const refused = await runCli(['import', file], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 3: data.personnel: cannot withdraw 5 personnel of KEN: only 0 deployed');
    expect(refused.stderr.trim().split('\n').pop()).toBe(
      'error: lines 1-3 (mission refused) refused (HTTP 422): cannot withdraw 5 personnel of KEN: only 0 deployed',
    );
    expect(await eventCount()).toBe(before); // the batch is atomic

    lines[2] = { missionId: 'refused', type: 'ContingentDeparted', occurredAt: '2024-03-01', data: { country: 'KEN', personnel: 5 } };
    writeFileSync(file, ndjson(lines));
    expect(await runCli(['import', file], env())).toMatchObject({ code: 0 });
    expect(await eventCount()).toBe(before + 3);
  });

  it('appends each event exactly once when a run killed half-way is run again', async () => {
    const file = join(dir, 'killed.ndjson');
    const total = 12_000;
    await writeSampleFile(file, total, 8, 'killed');
    const before = await eventCount();

    const run = startCli(['import', file, '--concurrency', '1'], env());
    // Kill it once some batches are in, well before the end.
    await expectEventually(async () => expect(await eventCount()).toBeGreaterThan(before + 2000), 30_000, 10);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = (await eventCount()) - before;
    expect(partial).toBeLessThan(total); // it really was interrupted

    const resumed = await runCli(['import', file], env());
    expect(resumed.stderr).not.toMatch(/error/);
    expect(resumed.code).toBe(0);
    expect((await eventCount()) - before).toBe(total);
    // What the killed run left is found again; a batch in flight at the kill may have landed after `partial` was counted.
    const [, fresh, already] = /^imported (\d+) new events \((\d+) already in the log\) into 8 missions /.exec(resumed.stdout) ?? [];
    expect(Number(fresh) + Number(already)).toBe(total);
    expect(Number(already)).toBeGreaterThanOrEqual(partial);

    // Every stream holds the file's events for it, in the file's order, each once.
    const fromFile = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const log = (await exported(api)).filter((e) => e.missionId.startsWith('killed-'));
    for (const missionId of new Set(fromFile.map((e) => e.missionId as string))) {
      const expected = fromFile.filter((e) => e.missionId === missionId).map((e) => [e.type, e.data]);
      expect(log.filter((e) => e.missionId === missionId).map((e) => [e.type, e.data])).toEqual(expected);
    }
  }, 120_000);

  it('export, then import into an empty database, recreates the same streams', async () => {
    const source = await exported(api);
    expect(source.length).toBe(await eventCount());
    expect(source.map((e) => e.position)).toEqual([...source.map((e) => e.position)].sort((a, b) => a - b));

    const emptyDb = await createTestDatabase('cli_import_target');
    const emptyApi = await startTestApi(emptyDb.url);
    try {
      const file = join(dir, 'whole-log.ndjson');
      writeFileSync(file, source.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const result = await runCli(['import', file], { MT_URL: emptyApi.baseUrl, MT_API_KEY: ADMIN_KEY });
      expect(result.stderr).not.toMatch(/error/);
      expect(result.code).toBe(0);

      const copy = await exported(emptyApi);
      const byStream = (events: Envelope[]) => [...streamsOf(events)].sort((a, b) => a.missionId.localeCompare(b.missionId) || a.version - b.version);
      expect(byStream(copy)).toEqual(byStream(source));
    } finally {
      await emptyApi.close();
      await emptyDb.drop();
    }
  }, 120_000);

  it('exports one mission to stdout, and leaves no file behind when the export fails', async () => {
    const result = await runCli(['export', '--mission', 'refused'], env());
    expect(result.code).toBe(0);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(result.stderr).toBe('exported 3 events of mission refused\n');

    const out = join(dir, 'missing.ndjson');
    const missing = await runCli(['export', '--mission', 'no-such-mission', '--out', out], env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: HTTP 404: .*no-such-mission.*\n$/);
    expect(() => readFileSync(out)).toThrow();
    expect(() => readFileSync(`${out}.partial`)).toThrow();
  });
});
