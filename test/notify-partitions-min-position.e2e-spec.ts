// A write must become visible promptly in every partition, not only its own: a partition's
// checkpoint moves through the whole log (projection-runner.ts), so `minPosition` of any write
// is reached by a read of all missions and by a read of a mission in another partition. When
// the append's NOTIFY named its partitions and a worker stepped only those (reverted), the
// others waited for the 2 s sweep: 1.5-1.8 s for these reads instead of tens of ms.
import { partitionOf } from '@app/domain';
import { waitForProjectionsCaughtUp } from './support/replay-check';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish, sleep } from './support/writers';

const PARTITIONS = 4;

describe('read-your-writes across partitions', () => {
  let db: TestDatabase;
  let api: TestApi;
  let worker: WorkerProcess;

  beforeAll(async () => {
    db = await createTestDatabase('notify_partitions');
    api = await startTestApi(db.url, { PROJECTION_PARTITIONS: String(PARTITIONS) });
    worker = await startWorker(db.url, api.redisPrefix, { PROJECTION_PARTITIONS: String(PARTITIONS) });
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.close();
    await db?.drop();
  });

  it('answers minPosition reads of other partitions promptly after an append', async () => {
    const a = 'rw-a';
    const other = Array.from({ length: 50 }, (_, i) => `rw-b-${i}`).find((id) => partitionOf(id, PARTITIONS) !== partitionOf(a, PARTITIONS))!;
    for (const id of [a, other]) expect((await api.request('POST', `/v1/missions/${id}/events`, { body: establish(id) })).status).toBe(201);
    await waitForProjectionsCaughtUp((path) => api.request('GET', path));
    await sleep(2_500); // past a sweep, so that the next append is the only news
    const appended = await api.request('POST', `/v1/missions/${a}/events`, {
      body: { events: [{ type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country: 'KEN', personnel: 1 } }] },
    });
    expect(appended.status).toBe(201);
    const position = appended.body.events[0].position;
    const started = Date.now();
    const [all, otherMission] = await Promise.all([
      api.request('GET', `/v1/missions?minPosition=${position}`),
      api.request('GET', `/v1/missions/${other}/personnel?minPosition=${position}`),
    ]);
    expect([all.status, otherMission.status]).toEqual([200, 200]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
