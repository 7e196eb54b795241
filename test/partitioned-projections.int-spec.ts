// Partitioned projections in-process against the real PostgreSQL: runners stepping the same
// and different partitions at once while writers append (exactly once, in order, per
// partition), a rebuild's switch-over across partitions, and how workers share partitions
// out (quota, release, take-over of a dead holder's).
import { Client } from 'pg';
import { partitionOf } from '@app/domain';
import { storedPartitions } from '@app/event-store';
import {
  checkPartitions,
  currentCheckpoints,
  PARTITION_OWNERSHIP_CLASS,
  PartitionOwnership,
  PROJECTION_LOCK_CLASS,
  ProjectionAdmin,
  ProjectionRunner,
  StepResult,
} from '@app/projections';
import { expectEventually } from './support/eventually';
import { expectLogIntactAndReadModelsReplayed } from './support/replay-check';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { establish, sleep, startWriters } from './support/writers';

const PARTITIONS = 4;

/** Mission ids, `perPartition` of them in each partition. */
function missionsInEveryPartition(prefix: string, perPartition: number): string[] {
  const chosen: string[] = [];
  const counts = new Array(PARTITIONS).fill(0);
  for (let i = 0; chosen.length < PARTITIONS * perPartition; i++) {
    const id = `${prefix}-${i}`;
    const p = partitionOf(id, PARTITIONS);
    if (counts[p] < perPartition) {
      counts[p]++;
      chosen.push(id);
    }
  }
  return chosen;
}

async function checkpointsAll(db: TestDatabase) {
  return (await currentCheckpoints(db.pool)).map((c) => ({ name: c.name, generation: c.generation, state: c.state, partition: c.partition, position: c.position, lastError: c.lastError }));
}

async function head(db: TestDatabase): Promise<number> {
  return (await db.pool.query<{ head: number }>('SELECT coalesce(max(position), 0)::bigint AS head FROM events')).rows[0].head;
}

/** Steps the partitions round and round until told to stop; every step must succeed (a failure stops every loop). */
function stepping(runner: ProjectionRunner, partitions: number[], stop: () => boolean): Promise<number> {
  return (async () => {
    let steps = 0;
    while (!stop() && !failing.length) {
      for (const partition of partitions) {
        const result: StepResult = await runner.step(partition).catch((error) => {
          failing.push(error);
          throw error;
        });
        expect(result.failed).toEqual([]);
        steps++;
      }
    }
    return steps;
  })();
}
const failing: unknown[] = [];

describe('partitioned projections (in-process runners)', () => {
  let db: TestDatabase;
  let api: TestApi;
  const get = (path: string) => api.request('GET', path);

  beforeAll(async () => {
    db = await createTestDatabase('partitions_medium');
    // An empty log: the count is simply set.
    expect(await checkPartitions(db.pool, PARTITIONS)).toBe(PARTITIONS);
    expect(await storedPartitions(db.pool)).toBe(PARTITIONS);
    api = await startTestApi(db.url); // no worker: the test's runners do the folding
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('files each event under its mission\'s partition, computed in SQL as partitionOf computes it', async () => {
    const missions = missionsInEveryPartition('filed', 2);
    for (const id of missions) expect((await api.request('POST', `/v1/missions/${id}/events`, { body: establish(id) })).status).toBe(201);
    const { rows } = await db.pool.query<{ mission_id: string; partition: number }>(`SELECT mission_id, partition FROM events WHERE mission_id LIKE 'filed-%'`);
    expect(rows.map((r) => [r.mission_id, r.partition])).toEqual(rows.map((r) => [r.mission_id, partitionOf(r.mission_id, PARTITIONS)]));
    expect(new Set(rows.map((r) => r.partition))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('two runners on the same partitions, then on different ones, while writers append: read models equal a replay, every checkpoint at the head', async () => {
    const missions = missionsInEveryPartition('race', 3);
    for (const id of missions) expect((await api.request('POST', `/v1/missions/${id}/events`, { body: establish(id) })).status).toBe(201);
    const writers = startWriters(api.baseUrl, missions, 6);
    // Small batches: many steps, many chances to collide (four runners on the same partitions
    // at first: without the step lock, this double-counts within seconds).
    const [a, b, c, d] = [1, 2, 3, 4].map(() => new ProjectionRunner(db.pool, 3));
    let phase: 'same' | 'different' | 'done' = 'same';
    const same = Promise.all([a, b, c, d].map((runner, i) => stepping(runner, [i % 4, (i + 1) % 4, (i + 2) % 4, (i + 3) % 4], () => phase !== 'same')));
    await sleep(2_000);
    phase = 'different';
    const stepsSame = await same;
    const different = Promise.all([stepping(a, [0, 1], () => phase === 'done'), stepping(b, [2, 3], () => phase === 'done')]);
    await sleep(2_000);
    await writers.stop();
    phase = 'done';
    const stepsDifferent = await different;
    expect(writers.acknowledged.size).toBeGreaterThan(50);
    expect(Math.min(...stepsSame, ...stepsDifferent)).toBeGreaterThan(10);

    // What is left, from both at once.
    await Promise.all([a.catchUpAll(), b.catchUpAll()]);
    await expectLogIntactAndReadModelsReplayed(get, writers.acknowledged);
    const top = await head(db);
    expect((await checkpointsAll(db)).filter((c) => c.position !== top || c.lastError)).toEqual([]);
    // Exactly once, per mission: one timeline item per event (a second application would add none, a skip would miss one).
    const { rows } = await db.pool.query<{ missing: number }>(
      `SELECT count(*)::int AS missing FROM events e WHERE NOT EXISTS (SELECT 1 FROM timeline_items t WHERE t.mission_id = e.mission_id AND t.position = e.position)`,
    );
    expect(rows[0].missing).toBe(0);
    const statuses = await new ProjectionAdmin(db.pool).statuses();
    for (const status of statuses) {
      expect({ name: status.name, position: status.position, lagEvents: status.lagEvents, status: status.status }).toEqual({ name: status.name, position: top, lagEvents: 0, status: 'live' });
      expect(status.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    }
  });

  it('a rebuild goes live only once it is as far as the live generation in every partition, and once when two partitions decide at once', async () => {
    const missions = missionsInEveryPartition('rebuild', 2);
    for (const id of missions) {
      await api.request('POST', `/v1/missions/${id}/events`, { body: establish(id) });
      await api.request('POST', `/v1/missions/${id}/events`, { body: { events: [{ type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country: 'KEN', personnel: 5 } }] } });
    }
    const runner = new ProjectionRunner(db.pool, 1000);
    await runner.catchUpAll();
    const before = await Promise.all(missions.map((id) => get(`/v1/missions/${id}/personnel`)));

    const admin = new ProjectionAdmin(db.pool);
    const { generation } = await admin.requestRebuild('personnel');
    const building = (await checkpointsAll(db)).filter((c) => c.name === 'personnel' && c.generation === generation);
    expect(building.map((c) => [c.partition, c.position, c.state])).toEqual([0, 1, 2, 3].map((p) => [p, 0, 'building']));

    // Caught up in partitions 0 and 1 only: not live yet.
    await runner.catchUp(0);
    await runner.catchUp(1);
    const state = async () => (await db.pool.query<{ generation: number; state: string }>(`SELECT generation, state FROM projection_generations WHERE name = 'personnel' ORDER BY generation`)).rows;
    expect((await state()).find((g) => g.generation === generation)!.state).toBe('building');
    expect((await admin.statuses()).find((s) => s.name === 'personnel')!.status).toBe('rebuilding');

    // Partitions 2 and 3 catch up at the same moment, each in its own transaction: one switch.
    const [r2, r3] = await Promise.all([new ProjectionRunner(db.pool).catchUp(2), new ProjectionRunner(db.pool).catchUp(3)]);
    expect([...r2.failed, ...r3.failed]).toEqual([]);
    const generations = await state();
    expect(generations.filter((g) => g.state === 'live')).toEqual([{ generation, state: 'live' }]);
    expect(generations.filter((g) => g.generation < generation && g.state !== 'retired')).toEqual([]);
    const after = await Promise.all(missions.map((id) => get(`/v1/missions/${id}/personnel`)));
    expect(after.map((r) => ({ ...r.body, position: undefined }))).toEqual(before.map((r) => ({ ...r.body, position: undefined })));
    expect(await runner.purgeRetired()).toBeGreaterThan(0);
  });
});

describe('partition ownership (quota, release, take-over)', () => {
  let db: TestDatabase;
  const owners: PartitionOwnership[] = [];
  const owner = (workerId: string) => {
    // Refreshed by hand here (a long timer never fires during the test).
    const o = new PartitionOwnership({ databaseUrl: db.url, workerId, refreshMs: 3_600_000 });
    owners.push(o);
    return o;
  };
  /** Who holds which ownership lock, from PostgreSQL itself. */
  const locks = async () => {
    const { rows } = await db.pool.query<{ pid: number; partition: number }>(
      `SELECT pid, objid::int AS partition FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objsubid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY objid`,
      [PARTITION_OWNERSHIP_CLASS],
    );
    return rows;
  };

  beforeAll(async () => {
    db = await createTestDatabase('partitions_owners');
    await checkPartitions(db.pool, PARTITIONS);
  });
  afterAll(async () => {
    await Promise.all(owners.map((o) => o.stop()));
    await db?.drop();
  });

  it('one worker takes every partition; a second and a third get their share; none holds more than ceil(N / live)', async () => {
    const taken: number[] = [];
    const w1 = owner('w1');
    w1.setHooks({ taken: (p) => taken.push(p), releasing: async () => undefined });
    await w1.refresh();
    expect(w1.owned()).toEqual([0, 1, 2, 3]);
    expect(taken.sort()).toEqual([0, 1, 2, 3]);
    expect((await locks()).map((l) => l.partition)).toEqual([0, 1, 2, 3]);

    const w2 = owner('w2');
    await w2.refresh(); // all held: nothing yet
    expect(w2.owned()).toEqual([]);
    await w1.refresh(); // two live workers: gives two up
    expect(w1.owned()).toHaveLength(2);
    await w2.refresh();
    expect(w2.owned()).toHaveLength(2);

    const w3 = owner('w3');
    const all = [w1, w2, w3];
    for (let round = 0; round < 3; round++) for (const w of all) await w.refresh();
    const held = all.map((w) => w.owned());
    expect(held.flat().sort()).toEqual([0, 1, 2, 3]);
    expect(Math.max(...held.map((h) => h.length))).toBeLessThanOrEqual(2); // ceil(4 / 3)
    expect(Math.min(...held.map((h) => h.length))).toBeGreaterThanOrEqual(1); // floor(4 / 3): the newcomer got its share
    const heldLocks = await locks();
    expect(heldLocks.map((l) => l.partition)).toEqual([0, 1, 2, 3]);
    expect(new Set(heldLocks.map((l) => l.pid)).size).toBe(3);
  });

  it('waits for the step under way before giving a partition up', async () => {
    const busiest = owners.reduce((a, b) => (b.owned().length > a.owned().length ? b : a));
    expect(busiest.owned()).toHaveLength(2);
    let finishStep!: () => void;
    const stepUnderWay = new Promise<void>((resolve) => (finishStep = resolve));
    const released: number[] = [];
    busiest.setHooks({ taken: () => undefined, releasing: (p) => stepUnderWay.then(() => void released.push(p)) });
    const w4 = owner('w4');
    await w4.refresh(); // a fourth live worker: one partition each from now on
    const refreshing = busiest.refresh();
    await sleep(300);
    expect(released).toEqual([]); // its step is not over: the lock is still held
    expect((await locks()).filter((l) => l.pid === busiest.connectionPid)).toHaveLength(2);
    finishStep();
    await refreshing;
    expect(released).toHaveLength(1);
    expect(busiest.owned()).toHaveLength(1);
    expect((await locks()).filter((l) => l.pid === busiest.connectionPid)).toHaveLength(1);
    await w4.refresh();
    expect(w4.owned()).toHaveLength(1);
    await w4.stop();
    owners.splice(owners.indexOf(w4), 1);
    busiest.setHooks({ taken: () => undefined, releasing: async () => undefined });
  });

  it("takes a dead holder's partitions over at the next refresh (its connection killed), and a stopped worker leaves its heartbeat behind it no more", async () => {
    const [w1, w2, w3] = owners;
    for (let round = 0; round < 3; round++) for (const w of [w1, w2, w3]) await w.refresh();
    const victim = [w1, w2, w3].find((w) => w.owned().length > 0)!;
    const orphaned = victim.owned();
    const survivors = [w1, w2, w3].filter((w) => w !== victim);
    const killedAt = Date.now();
    await db.pool.query('SELECT pg_terminate_backend($1)', [victim.connectionPid]);
    await expectEventually(async () => expect((await locks()).filter((l) => orphaned.includes(l.partition))).toEqual([]), 5_000, 20);
    for (const w of survivors) await w.refresh();
    const tookOver = Date.now() - killedAt;
    expect(survivors.flatMap((w) => w.owned()).sort()).toEqual([0, 1, 2, 3]);
    expect(tookOver).toBeLessThan(5_000);
    // The victim noticed: it holds nothing, and reconnects at its next refresh.
    await expectEventually(() => expect(victim.owned()).toEqual([]), 5_000, 20);
    await victim.refresh();
    expect(victim.connectionPid).toBeDefined();

    await victim.stop();
    const { rows } = await db.pool.query<{ worker_id: string }>('SELECT worker_id FROM projection_workers ORDER BY worker_id');
    expect(rows.map((r) => r.worker_id)).not.toContain(victim.workerId);
  });

  it('the step lock, not ownership, is what keeps two steps of a partition apart', async () => {
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [PROJECTION_LOCK_CLASS, 1 + 2]);
      const step = new ProjectionRunner(db.pool).step(2);
      const other = await new ProjectionRunner(db.pool).step(1); // another partition is not held up
      expect(other.failed).toEqual([]);
      const raced = await Promise.race([step.then(() => 'stepped'), sleep(500).then(() => 'waiting')]);
      expect(raced).toBe('waiting');
      await holder.query('COMMIT');
      expect((await step).failed).toEqual([]);
    } finally {
      await holder.end();
    }
  });
});
