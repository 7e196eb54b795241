// Changing PROJECTION_PARTITIONS is an operation, never a silent corruption: processes refuse
// to start with a count other than the stored one (except on a log with no events, where it
// is simply set), and `npm run db:repartition` changes it — refused while a worker runs or a
// projection has failed, otherwise catching up, re-filing every event and carrying on to read
// models equal to a replay.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { partitionOf } from '@app/domain';
import { PROJECTION_NAMES } from '@app/projections';
import { established, personnelEvent } from './support/events';
import { TEST_REDIS_URL } from './support/environment';
import { expectEventually } from './support/eventually';
import { expectLogIntactAndReadModelsReplayed, waitForProjectionsCaughtUp } from './support/replay-check';
import { startApiProcess } from './support/api-process';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';

const DIST = join(__dirname, '..', 'dist');

function runNode(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(DIST, script)], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const repartition = (db: TestDatabase, partitions: number) => runNode('scripts/repartition.js', { DATABASE_URL: db.url, PROJECTION_PARTITIONS: String(partitions) });
const storedCount = async (db: TestDatabase) => (await db.pool.query<{ partitions: number }>('SELECT partitions FROM log_partitioning')).rows[0].partitions;
const checkpointRows = async (db: TestDatabase) =>
  (
    await db.pool.query<{ name: string; partition: number; position: number }>(
      `SELECT c.name, c.partition, c.position FROM projection_checkpoints c JOIN projection_generations g USING (name, generation) WHERE g.state = 'live' ORDER BY c.name, c.partition`,
    )
  ).rows;

describe('the partition count', () => {
  it('on a log with no events, a process started with PROJECTION_PARTITIONS sets it', async () => {
    const db = await createTestDatabase('partition_count_empty');
    try {
      const worker = await startWorker(db.url, `mt-test-count-${Date.now()}`, { PROJECTION_PARTITIONS: '3' });
      await worker.kill('SIGTERM');
      expect(await storedCount(db)).toBe(3);
      expect((await checkpointRows(db)).filter((c) => c.name === 'personnel').map((c) => c.partition)).toEqual([0, 1, 2]);
    } finally {
      await db.drop();
    }
  });

  describe('on a log with events', () => {
    let db: TestDatabase;
    let api: TestApi;
    let worker: WorkerProcess | undefined;
    const acknowledged = new Set<string>();
    const get = (path: string) => api.request('GET', path);
    const append = async (missionId: string, events: unknown[]) => {
      const { status, body } = await api.request('POST', `/v1/missions/${missionId}/events`, { body: { events } });
      expect(status).toBe(201);
      for (const event of body.events) acknowledged.add(event.id);
    };
    const missions = Array.from({ length: 6 }, (_, i) => `count-${i}`);

    beforeAll(async () => {
      db = await createTestDatabase('partition_count');
      api = await startTestApi(db.url);
      worker = await startWorker(db.url, api.redisPrefix); // unset: the stored count (1)
      for (const id of missions) await append(id, [established(), personnelEvent('PersonnelPledged', 'KEN', 10)]);
      await waitForProjectionsCaughtUp(get);
    });
    afterAll(async () => {
      await worker?.kill('SIGTERM');
      await api?.close();
      await db?.drop();
    });

    it('refuses to start a worker or an API with another count, in one line saying what to do', async () => {
      await expect(startWorker(db.url, api.redisPrefix, { PROJECTION_PARTITIONS: '2' })).rejects.toThrow(/worker exited \(1\)/);
      const failed = await runNode('apps/worker/src/main.js', { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, PROJECTION_PARTITIONS: '2', REDIS_PREFIX: api.redisPrefix });
      expect(failed.code).toBe(1);
      expect(failed.stdout + failed.stderr.trim()).toBe(
        'PROJECTION_PARTITIONS=2, but the projections of this database are folded in 1 partition: unset it (or set 1) to run as they are, ' +
          'or change the count with "PROJECTION_PARTITIONS=2 npm run db:repartition" (docs/scaling.md#partitions).',
      );
      await expect(startApiProcess(db.url, { PROJECTION_PARTITIONS: '2' })).rejects.toThrow(/PROJECTION_PARTITIONS=2, but/);
      expect(await storedCount(db)).toBe(1);
    });

    it('db:repartition is refused while a worker runs, then changes the count; the read models carry on equal to a replay', async () => {
      const refused = await repartition(db, 3);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^not re-partitioned: 1 worker is running \(.+\): stop every worker first/);
      expect(await storedCount(db)).toBe(1);

      await worker!.kill('SIGTERM'); // a clean stop removes its heartbeat
      worker = undefined;
      // Events the stopped worker has not folded: the re-partition catches them up first.
      for (const id of missions) await append(id, [personnelEvent('PersonnelPledged', 'JAM', 2), personnelEvent('ContingentDeparted', 'KEN', 4)]);
      const done = await repartition(db, 3);
      expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      expect(done.stdout).toMatch(/^re-partitioned from 1 to 3 partitions in [\d.]+ s: 12 events caught up first, \d+ events filed under another partition, every checkpoint at position \d+/);

      expect(await storedCount(db)).toBe(3);
      const { rows } = await db.pool.query<{ mission_id: string; partition: number; position: number }>('SELECT mission_id, partition, position FROM events');
      expect(rows.filter((r) => r.partition !== partitionOf(r.mission_id, 3))).toEqual([]);
      const head = Math.max(...rows.map((r) => r.position));
      expect((await checkpointRows(db)).filter((c) => c.position !== head)).toEqual([]);
      expect((await checkpointRows(db)).length).toBe(PROJECTION_NAMES.length * 3);

      // Workers with the count unset (or equal) start and carry on from the head.
      worker = await startWorker(db.url, api.redisPrefix, { PROJECTION_PARTITIONS: '3' });
      for (const id of missions) await append(id, [personnelEvent('ContingentArrived', 'KEN', 3)]);
      await waitForProjectionsCaughtUp(get);
      await expectLogIntactAndReadModelsReplayed(get, acknowledged);
      const { body } = await api.request('GET', '/v1/projections');
      expect(body.projections[0].partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1, 2]);
      // The same count again is nothing to do.
      expect((await repartition(db, 3)).stdout).toMatch(/already folded in 3 partitions: nothing to do/);
    });

    it('db:repartition is refused while a projection has failed: rebuild it first', async () => {
      // A poison event (one no fold can store), written past the API, fails personnel.
      const missionId = missions[0];
      await db.pool.query(
        `WITH s AS (UPDATE streams SET version = version + 1 WHERE mission_id = $1 RETURNING version)
         INSERT INTO events (id, mission_id, version, type, schema_version, occurred_at, data, metadata, partition)
         SELECT gen_random_uuid(), $1, s.version, 'PersonnelPledged', 1, now(), '{"country":"KEN","personnel":"many"}', '{}', log_partition_of($1, log_partition_count()) FROM s`,
        [missionId],
      );
      await append(missions[1], [personnelEvent('PersonnelPledged', 'KEN', 1)]);
      await expectEventually(async () => {
        const { body } = await api.request('GET', '/v1/projections');
        expect(body.projections.find((p: { name: string }) => p.name === 'personnel').status).toBe('failed');
      });
      await worker!.kill('SIGTERM');
      worker = undefined;
      const refused = await repartition(db, 2);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toMatch(/^not re-partitioned: projection personnel \(generation 1, live\) failed in partition \d: .*Rebuild it first/);
      expect(await storedCount(db)).toBe(3);
    });
  });
});
