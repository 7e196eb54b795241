// Three real worker processes share four partitions (PROJECTION_PARTITIONS=4): none holds
// them all, and when one is SIGKILLed in the middle of a catch-up the others take its
// partitions over; at the end every read model equals a replay of the log.
import { partitionOf } from '@app/domain';
import { expectEventually } from './support/eventually';
import { expectLogIntactAndReadModelsReplayed, waitForProjectionsCaughtUp } from './support/replay-check';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish } from './support/writers';

const PARTITIONS = 4;
const OWNERSHIP_CLASS = 0x6d6f; // PARTITION_OWNERSHIP_CLASS

describe('partitions across three worker processes', () => {
  let db: TestDatabase;
  let api: TestApi;
  const workers: WorkerProcess[] = [];
  const get = (path: string) => api.request('GET', path);

  /** Partitions held, by the OS pid of the worker holding them (from pg_locks and the connection's name). */
  async function holders(): Promise<Map<number, number[]>> {
    const { rows } = await db.pool.query<{ partition: number; name: string }>(
      `SELECT l.objid::int AS partition, a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2 AND l.granted AND a.datname = current_database() ORDER BY l.objid`,
      [OWNERSHIP_CLASS],
    );
    const byWorker = new Map<number, number[]>();
    for (const { partition, name } of rows) {
      const pid = Number(/^mt-worker [^:]+:(\d+):/.exec(name)?.[1]);
      byWorker.set(pid, [...(byWorker.get(pid) ?? []), partition]);
    }
    return byWorker;
  }

  beforeAll(async () => {
    db = await createTestDatabase('partitions_e2e');
    api = await startTestApi(db.url);
    // All three at once on an empty log: the first sets the count, the others agree with it.
    const env = { PROJECTION_PARTITIONS: String(PARTITIONS), PROJECTION_BATCH_SIZE: '5' };
    workers.push(...(await Promise.all([1, 2, 3].map(() => startWorker(db.url, api.redisPrefix, env)))));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await api?.close();
    await db?.drop();
  });

  it('spreads the partitions, survives a SIGKILL mid-catch-up, and ends equal to a replay', async () => {
    const { rows } = await db.pool.query<{ partitions: number }>('SELECT partitions FROM log_partitioning');
    expect(rows[0].partitions).toBe(PARTITIONS);

    // Spread: every partition held, by all three, none holding more than ceil(4 / 3) = 2.
    const spread = await expectEventually(async () => {
      const byWorker = await holders();
      expect([...byWorker.values()].flat().sort()).toEqual([0, 1, 2, 3]);
      expect(byWorker.size).toBe(3);
      expect(Math.max(...[...byWorker.values()].map((p) => p.length))).toBe(2);
      return byWorker;
    }, 20_000, 100);
    expect([...spread.keys()].sort()).toEqual(workers.map((w) => w.child.pid).sort());

    // A backlog in every partition, appended faster than batches of 5 fold it.
    const missions = Array.from({ length: 16 }, (_, i) => `spread-${i}`);
    expect(new Set(missions.map((id) => partitionOf(id, PARTITIONS))).size).toBe(PARTITIONS);
    const acknowledged = new Set<string>();
    for (const id of missions) expect((await api.request('POST', `/v1/missions/${id}/events`, { body: establish(id) })).status).toBe(201);
    await Promise.all(
      missions.map(async (id, m) => {
        for (let k = 0; k < 2; k++) {
          const events = Array.from({ length: 200 }, (_, i) =>
            i % 2 ? { type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country: ['KEN', 'JAM'][i % 2], personnel: 1 + ((i + m) % 9) } } : { type: 'FundingPledged', occurredAt: '2024-02-01', data: { donor: 'USA', amount: `${1 + (i % 7)}.50`, currency: 'USD' } },
          );
          const { status, body } = await api.request('POST', `/v1/missions/${id}/events`, { body: { events } });
          expect(status).toBe(201);
          for (const event of body.events) acknowledged.add(event.id);
        }
      }),
    );

    // Kill the busiest worker while its partitions still lag.
    const byWorker = await holders();
    const [victimPid, orphaned] = [...byWorker.entries()].sort((a, b) => b[1].length - a[1].length)[0];
    const { body: before } = await api.request('GET', '/v1/projections');
    const lagging = before.projections[0].partitions.filter((p: { partition: number; lagEvents: number }) => orphaned.includes(p.partition) && p.lagEvents > 0);
    expect(lagging.length).toBeGreaterThan(0);
    const victim = workers.find((w) => w.child.pid === victimPid)!;
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    workers.splice(workers.indexOf(victim), 1);

    // The survivors take its partitions over (at their next refresh, every 2 s).
    const takeoverMs = await expectEventually(async () => {
      const now = await holders();
      expect(now.has(victimPid)).toBe(false);
      expect([...now.values()].flat().sort()).toEqual([0, 1, 2, 3]);
      return Date.now() - killedAt;
    }, 10_000, 20);
    console.log(`partitions of the SIGKILLed worker taken over in ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThan(5_000);

    await waitForProjectionsCaughtUp(get, 60_000);
    await expectLogIntactAndReadModelsReplayed(get, acknowledged);
    const { body: after } = await api.request('GET', '/v1/projections');
    for (const projection of after.projections) {
      expect(projection.partitions.map((p: { partition: number; position: number; status: string }) => [p.partition, p.position, p.status])).toEqual(
        [0, 1, 2, 3].map((p) => [p, projection.headPosition, 'live']),
      );
      expect(projection.partitions.every((p: { owner: string | null }) => p.owner !== null)).toBe(true);
    }
    // The two left hold two each now (ceil(4 / 2)).
    const final = await holders();
    expect([...final.values()].map((p) => p.length)).toEqual([2, 2]);
  });
});
