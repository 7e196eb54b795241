// The backup drill of docs/operations.md#backup-and-restore, with the machine's PostgreSQL
// client: pg_dump of a running instance's database (API and worker up, after writes), a
// restore into a new database, an API and a worker started on it — and every read model
// equals the original's and a fresh fold of the restored log; the API keys still work.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DEMO_MISSION_ID, DEMO_MISSION_REQUEST } from '../scripts/demo-mission';
import { ApiProcess, startApiProcess } from './support/api-process';
import { ADMIN_DATABASE_URL, databaseUrl, runId } from './support/environment';
import { expectLogIntactAndReadModelsReplayed, readWholeLog, waitForProjectionsCaughtUp } from './support/replay-check';
import { requestJson } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish } from './support/writers';

const run = promisify(execFile);
const SECOND = 'backup-drill';

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** What a reader sees of every read model of both missions. */
async function readModels(api: ApiProcess) {
  const get = async (path: string) => {
    const { status, body } = await api.request('GET', path);
    expect({ path, status }).toEqual({ path, status: 200 });
    return body;
  };
  const perMission = async (id: string) => ({
    personnel: await get(`/v1/missions/${id}/personnel`),
    funding: await get(`/v1/missions/${id}/funding`),
    timeline: await get(`/v1/missions/${id}/timeline?limit=1000`),
    asOf: await get(`/v1/missions/${id}/personnel?asOf=2024-07-01`),
  });
  return { missions: await get('/v1/missions'), [DEMO_MISSION_ID]: await perMission(DEMO_MISSION_ID), [SECOND]: await perMission(SECOND) };
}

describe('backup and restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mt-backup-'));
  const restoredName = `mt_test_${runId()}_restored_${process.pid}`;
  let original: TestDatabase;
  const started: Array<ApiProcess | WorkerProcess> = [];

  beforeAll(async () => {
    original = await createTestDatabase('backup_original');
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.kill('SIGTERM')));
    await original?.drop();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${restoredName}" WITH (FORCE)`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pg_dump of a running instance restores into a database whose read models equal the original and the replay', async () => {
    const api = await startApiProcess(original.url);
    started.push(api, await startWorker(original.url, api.redisPrefix));

    // State: the demo mission, a second one with funding and a withdrawal, and an operator key.
    expect((await api.request('POST', `/v1/missions/${DEMO_MISSION_ID}/events`, DEMO_MISSION_REQUEST)).status).toBe(201);
    expect((await api.request('POST', `/v1/missions/${SECOND}/events`, establish(SECOND))).status).toBe(201);
    const operator = await api.request('POST', '/v1/api-keys', { name: 'drill-operator', role: 'operator' });
    expect(operator.status).toBe(201);
    const more = await requestJson(api.baseUrl, 'POST', `/v1/missions/${SECOND}/events`, {
      key: operator.body.key,
      body: {
        events: [
          { type: 'PersonnelPledged', occurredAt: '2024-06-01', data: { country: 'KEN', personnel: 300 } },
          { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 200 } },
          { type: 'PersonnelWithdrawn', occurredAt: '2024-08-01', data: { country: 'KEN', personnel: 20 } },
          { type: 'FundingPledged', occurredAt: '2024-06-02', data: { donor: 'CAN', amount: '80000000.50', currency: 'CAD' } },
          { type: 'FundingDisbursed', occurredAt: '2024-07-02', data: { donor: 'CAN', amount: '1000.25', currency: 'CAD' } },
        ],
      },
    });
    expect(more.status).toBe(201);
    const get = (path: string) => api.request('GET', path);
    await waitForProjectionsCaughtUp(get);
    const before = await readModels(api);
    const logBefore = await readWholeLog(get);

    // The backup, taken while the API and the worker run (pg_dump reads one consistent snapshot).
    const dump = join(dir, 'missions.dump');
    await run('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, original.url]);

    // The restore, into a new database, as after losing the server.
    await admin((c) => c.query(`CREATE DATABASE "${restoredName}"`));
    const restoredUrl = databaseUrl(restoredName);
    await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${restoredUrl}`, dump]);

    const restored = await startApiProcess(restoredUrl);
    started.push(restored, await startWorker(restoredUrl, restored.redisPrefix));
    const getRestored = (path: string) => restored.request('GET', path);
    await waitForProjectionsCaughtUp(getRestored);

    expect(await readWholeLog(getRestored)).toEqual(logBefore);
    expect(await readModels(restored)).toEqual(before);
    await expectLogIntactAndReadModelsReplayed(getRestored, logBefore.map((e) => e.id));

    // The keys are part of the state: the operator key still appends, positions carry on.
    const after = await requestJson(restored.baseUrl, 'POST', `/v1/missions/${SECOND}/events`, {
      key: operator.body.key,
      body: { events: [{ type: 'PersonnelPledged', occurredAt: '2024-09-01', data: { country: 'JAM', personnel: 10 } }] },
    });
    expect(after.status).toBe(201);
    expect(after.body.events[0].position).toBeGreaterThan(logBefore.at(-1)!.position);

    // A rebuild from the restored log gives the same read models again.
    const names: string[] = (await getRestored('/v1/projections')).body.projections.map((p: { name: string }) => p.name);
    for (const name of new Set(names)) expect((await restored.request('POST', `/v1/projections/${name}/rebuild`)).status).toBe(202);
    await waitForProjectionsCaughtUp(getRestored, 60_000);
    await expectLogIntactAndReadModelsReplayed(getRestored, [...logBefore.map((e) => e.id), after.body.events[0].id]);
  }, 180_000);
});
