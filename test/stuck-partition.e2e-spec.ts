// A partition that stops advancing while events wait must not go unnoticed: a worker owns it
// but its steps cannot proceed (the test holds the partition's step lock, as a step hung on a
// database blip would). /v1/projections shows its lag in seconds growing and the partition
// stuck, /metrics and /health/ready say so, the other partition carries on — and all of it
// clears once the partition moves again.
import { Client } from 'pg';
import { partitionOf } from '@app/domain';
import { established, personnelEvent } from './support/events';
import { expectEventually } from './support/eventually';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { sleep } from './support/writers';

const STEP_LOCK_CLASS = 0x6d74; // PROJECTION_LOCK_CLASS; a partition's step lock is (class, 1 + partition)
const STUCK_SECONDS = 2;

describe('a stuck partition', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: WorkerProcess;
  let holder: Client;

  beforeAll(async () => {
    db = await createTestDatabase('stuck_partition');
    api = await startTestApi(db.url, { PROJECTION_STUCK_SECONDS: String(STUCK_SECONDS) });
    worker = await startWorker(db.url, api.redisPrefix, { PROJECTION_PARTITIONS: '2' });
    holder = new Client({ connectionString: db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end().catch(() => undefined);
    await worker?.kill('SIGTERM');
    await api?.close();
    await db?.drop();
  });

  const personnel = async () => (await api.request('GET', '/v1/projections')).body.projections.find((p: { name: string }) => p.name === 'personnel');
  const metric = async (name: string, partition: number) => {
    const text = (await api.request('GET', '/metrics', { key: null })).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`${name}{projection="personnel",partition="${partition}"}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('shows in status, metrics and readiness while it lasts, and clears when the partition moves again', async () => {
    const inPartition = (p: number) => Array.from({ length: 100 }, (_, i) => `stuck-${i}`).find((id) => partitionOf(id, 2) === p)!;
    const [healthy, blocked] = [inPartition(0), inPartition(1)];
    for (const id of [healthy, blocked]) expect((await api.request('POST', `/v1/missions/${id}/events`, { body: { events: [established()] } })).status).toBe(201);
    await expectEventually(async () => expect((await personnel()).lagEvents).toBe(0));
    expect((await api.request('GET', '/health/ready', { key: null })).body).toMatchObject({ status: 'ok', projections: 'ok', stuck: [] });

    // Partition 1's steps cannot proceed from now on; events arrive in it.
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [STEP_LOCK_CLASS, 1 + 1]);
    const { body: appended } = await api.request('POST', `/v1/missions/${blocked}/events`, { body: { events: [personnelEvent('PersonnelPledged', 'KEN', 7)] } });
    const waitingAt = appended.events[0].position;

    // The other partition carries on: a write to it is read back at once.
    const { body: other } = await api.request('POST', `/v1/missions/${healthy}/events`, { body: { events: [personnelEvent('PersonnelPledged', 'JAM', 3)] } });
    const read = await api.request('GET', `/v1/missions/${healthy}/personnel?minPosition=${other.events[0].position}`);
    expect({ status: read.status, pledged: read.body.pledged }).toEqual({ status: 200, pledged: 3 });

    const stuck = await expectEventually(async () => {
      const status = await personnel();
      expect(status.partitions[1]).toMatchObject({ partition: 1, status: 'stuck', lagEvents: 1 });
      expect(status.partitions[0]).toMatchObject({ partition: 0, status: 'live', lagEvents: 0 });
      return status;
    }, 15_000, 200);
    expect(stuck.position).toBeLessThan(waitingAt); // the lowest over the partitions
    expect(stuck.lagSeconds).toBeGreaterThan(STUCK_SECONDS);
    expect(stuck.partitions[1].lastError).toMatch(/events waiting/);
    expect(stuck.partitions[1].owner).toMatch(/^[^:]+:\d+:/);
    await sleep(1_200);
    const later = await personnel();
    expect(later.partitions[1].lagSeconds).toBeGreaterThan(stuck.partitions[1].lagSeconds + 1); // growing

    expect(await metric('mission_tracker_projection_partition_stuck', 1)).toBe(1);
    expect(await metric('mission_tracker_projection_partition_stuck', 0)).toBe(0);
    expect(await metric('mission_tracker_projection_partition_lag_seconds', 1)).toBeGreaterThan(STUCK_SECONDS);
    const ready = await api.request('GET', '/health/ready', { key: null });
    expect(ready.status).toBe(200); // the API serves; readiness says what is wrong (docs/operations.md)
    expect(ready.body).toMatchObject({ status: 'degraded', postgres: 'up', redis: 'up', projections: 'stuck' });
    expect(ready.body.stuck).toEqual(expect.arrayContaining([expect.objectContaining({ projection: 'personnel', partition: 1, lagEvents: 1 })]));
    expect(ready.body.detail).toMatch(/personnel partition 1 is stuck/);
    // A mission of the stuck partition cannot be read at its write's position yet.
    expect((await api.request('GET', `/v1/missions/${blocked}/personnel`)).body.position).toBeLessThan(waitingAt);

    // The partition moves again: everything clears.
    await holder.query('COMMIT');
    const recovered = await api.request('GET', `/v1/missions/${blocked}/personnel?minPosition=${waitingAt}`);
    expect({ status: recovered.status, pledged: recovered.body.pledged }).toEqual({ status: 200, pledged: 7 });
    await expectEventually(async () => {
      const status = await personnel();
      expect(status.partitions.map((p: { status: string }) => p.status)).toEqual(['live', 'live']);
      expect(status).toMatchObject({ lagEvents: 0, lagSeconds: 0, status: 'live' });
    }, 10_000, 100);
    await expectEventually(async () => expect(await metric('mission_tracker_projection_partition_stuck', 1)).toBe(0), 5_000, 200); // scrapes share a 1 s cache
    expect((await api.request('GET', '/health/ready', { key: null })).body).toMatchObject({ status: 'ok', projections: 'ok', stuck: [] });
  });
});
