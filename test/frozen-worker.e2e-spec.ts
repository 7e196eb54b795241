// A worker frozen in the middle of a step (SIGSTOP: a paused VM, a blocked event loop, a
// network gone) must not stop its partitions for as long as it stays frozen: PostgreSQL ends
// its open step transaction (and with it the step lock), the other worker takes the
// partitions over and carries on within a bounded time, and when the frozen one wakes
// (SIGCONT) its stale transaction writes nothing: every read model equals a replay. Once with
// live steps, once in the middle of a rebuild.
import { partitionOf } from '@app/domain';
import { StoredEvent } from '@app/event-store';
import { expectEventually } from './support/eventually';
import { expectLogIntactAndReadModelsReplayed, readWholeLog, waitForProjectionsCaughtUp } from './support/replay-check';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish } from './support/writers';

const PARTITIONS = 4;
const STEP_LOCK_CLASS = 0x6d74; // PROJECTION_LOCK_CLASS; a partition's step lock is (class, 1 + partition)
const OWNERSHIP_CLASS = 0x6d6f; // PARTITION_OWNERSHIP_CLASS
/** Generous: the ownership lease is 15 s; the machine is shared with other suites. */
const CARRY_ON_WITHIN_MS = 40_000;

describe('a frozen worker (SIGSTOP)', () => {
  let db: TestDatabase;
  let api: TestApi;
  const workers: WorkerProcess[] = [];
  const acknowledged = new Set<string>();
  const get = (path: string) => api.request('GET', path);
  const missions = Array.from({ length: 8 }, (_, i) => `frozen-${i}`);

  /** Partitions whose ownership lock the worker of this OS pid holds. */
  async function ownedBy(pid: number): Promise<number[]> {
    const { rows } = await db.pool.query<{ partition: number }>(
      `SELECT l.objid::int AS partition FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2 AND l.granted AND a.datname = current_database()
         AND a.application_name LIKE $2 ORDER BY 1`,
      [OWNERSHIP_CLASS, `mt-worker %:${pid}:%`],
    );
    return rows.map((r) => r.partition);
  }

  /** Step transactions open on the given partitions (a worker steps only the partitions it owns). */
  async function openSteps(partitions: number[]): Promise<{ partition: number; state: string }[]> {
    const { rows } = await db.pool.query<{ partition: number; state: string }>(
      `SELECT l.objid::int - 1 AS partition, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objsubid = 2 AND l.granted AND a.datname = current_database()
         AND l.objid::int - 1 = ANY($2::int[])`,
      [STEP_LOCK_CLASS, partitions],
    );
    return rows;
  }

  const append = async (missionId: string, events: unknown[]) => {
    const { status, body } = await api.request('POST', `/v1/missions/${missionId}/events`, { body: { events } });
    expect(status).toBe(201);
    for (const event of body.events) acknowledged.add(event.id);
    return body.events.at(-1).position as number;
  };
  const backlog = async (rounds: number) =>
    Promise.all(
      missions.map(async (id, m) => {
        for (let k = 0; k < rounds; k++) {
          await append(
            id,
            Array.from({ length: 100 }, (_, i) =>
              i % 2
                ? { type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country: ['KEN', 'JAM'][i % 2], personnel: 1 + ((i + m) % 9) } }
                : { type: 'FundingPledged', occurredAt: '2024-02-01', data: { donor: 'USA', amount: `${1 + (i % 7)}.50`, currency: 'USD' } },
            ),
          );
        }
      }),
    );

  /**
   * SIGSTOPs the worker while one of its step transactions is open (retried until the stop
   * lands inside one; `also` may ask for more, e.g. a rebuild under way). Returns the
   * partitions it owned.
   */
  async function freezeMidStep(worker: WorkerProcess, also: () => Promise<boolean> = async () => true): Promise<number[]> {
    return expectEventually(async () => {
      const owned = await ownedBy(worker.child.pid!);
      expect(owned.length).toBeGreaterThan(0);
      worker.child.kill('SIGSTOP');
      const open = await openSteps(owned);
      if (open.length > 0 && (await also())) {
        console.log(`worker ${worker.child.pid} frozen with step transactions open on partitions ${JSON.stringify(open)} (owning ${owned})`);
        return owned;
      }
      worker.child.kill('SIGCONT');
      throw new Error('the stop did not land inside a step');
    }, 30_000, 5);
  }

  /**
   * After the freeze: an event appended to a mission of a frozen partition is read back with
   * minPosition (each try waits up to 10 s), and every partition reaches the head.
   */
  async function expectOthersCarryOn(frozenPartitions: number[], frozenAt: number): Promise<number> {
    const missionId = missions.find((id) => frozenPartitions.includes(partitionOf(id, PARTITIONS)))!;
    const position = await append(missionId, [{ type: 'PersonnelPledged', occurredAt: '2024-03-02', data: { country: 'CAN', personnel: 1 } }]);
    const statuses: number[] = [];
    await expectEventually(async () => {
      const { status } = await get(`/v1/missions/${missionId}/personnel?minPosition=${position}`);
      statuses.push(status);
      expect(status).toBe(200);
    }, CARRY_ON_WITHIN_MS, 100);
    const carriedOnMs = Date.now() - frozenAt;
    console.log(`a mission of a frozen partition read at its write's position after ${carriedOnMs} ms (answers ${statuses.join(', ')})`);
    await waitForProjectionsCaughtUp(get, 60_000);
    return carriedOnMs;
  }

  /** Wakes the worker, waits until it holds partitions again, then checks every read model against a replay. */
  async function thawAndCheck(worker: WorkerProcess): Promise<void> {
    worker.child.kill('SIGCONT');
    await expectEventually(async () => expect((await ownedBy(worker.child.pid!)).length).toBe(PARTITIONS / 2), 40_000, 200);
    await backlog(1); // the woken worker steps again
    await waitForProjectionsCaughtUp(get, 60_000);
    const log = await expectLogIntactAndReadModelsReplayed(get, acknowledged);
    await expectTimelinesAndMissionListReplayed(log);
    expect(worker.child.exitCode).toBeNull(); // it lived through it
  }

  /** The other two read models: each mission's timeline has each of its events once; the list has its version. */
  async function expectTimelinesAndMissionListReplayed(log: StoredEvent[]): Promise<void> {
    const { body: list } = await get('/v1/missions');
    for (const id of missions) {
      const events = log.filter((e) => e.missionId === id);
      expect(list.missions.find((m: { missionId: string }) => m.missionId === id)?.streamVersion).toBe(events.length);
      const positions: number[] = [];
      for (let before = 0; ; ) {
        const { body } = await get(`/v1/missions/${id}/timeline?limit=1000${before ? `&before=${before}` : ''}`);
        if (body.items.length === 0) break;
        positions.push(...body.items.map((item: { position: number }) => item.position));
        before = body.items.at(-1).position;
      }
      expect({ id, positions: positions.reverse() }).toEqual({ id, positions: events.map((e) => e.position) });
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase('frozen_worker');
    api = await startTestApi(db.url);
    // Small batches: many short steps, so a stop lands inside one soon.
    const env = { PROJECTION_PARTITIONS: String(PARTITIONS), PROJECTION_BATCH_SIZE: '5' };
    workers.push(await startWorker(db.url, api.redisPrefix, env));
    workers.push(await startWorker(db.url, api.redisPrefix, env));
    expect(new Set(missions.map((id) => partitionOf(id, PARTITIONS))).size).toBe(PARTITIONS);
    for (const id of missions) await append(id, establish(id).events);
    await expectEventually(async () => {
      for (const worker of workers) expect(await ownedBy(worker.child.pid!)).toHaveLength(PARTITIONS / 2);
    }, 30_000, 100);
  });
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGCONT');
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await api?.close();
    await db?.drop();
  });

  it('mid-step: the other worker carries on within a bounded time, and nothing is applied twice after it wakes', async () => {
    const [frozen] = workers;
    const appending = backlog(2);
    const frozenPartitions = await freezeMidStep(frozen);
    try {
      const frozenAt = Date.now();
      await appending;
      const carriedOnMs = await expectOthersCarryOn(frozenPartitions, frozenAt);
      expect(carriedOnMs).toBeLessThan(CARRY_ON_WITHIN_MS);
    } catch (error) {
      frozen.child.kill('SIGCONT'); // the next test gets a worker that runs
      throw error;
    }
    await thawAndCheck(frozen);
  }, 240_000);

  it('mid-rebuild: the rebuild completes while it is frozen, and every read model equals a replay after it wakes', async () => {
    const [, frozen] = workers;
    await backlog(2);
    await waitForProjectionsCaughtUp(get, 60_000);
    expect((await api.request('POST', '/v1/projections/personnel/rebuild')).status).toBe(202);
    const rebuilding = async () => (await get('/v1/projections')).body.projections.find((p: { name: string }) => p.name === 'personnel').status === 'rebuilding';
    const frozenPartitions = await freezeMidStep(frozen, rebuilding);
    try {
      const frozenAt = Date.now();
      const carriedOnMs = await expectOthersCarryOn(frozenPartitions, frozenAt);
      expect(carriedOnMs).toBeLessThan(CARRY_ON_WITHIN_MS);
      const { body } = await get('/v1/projections');
      expect(body.projections.find((p: { name: string }) => p.name === 'personnel')).toMatchObject({ status: 'live', rebuild: null });
    } catch (error) {
      frozen.child.kill('SIGCONT'); // the next test gets a worker that runs
      throw error;
    }
    await thawAndCheck(frozen);
  }, 240_000);
});
