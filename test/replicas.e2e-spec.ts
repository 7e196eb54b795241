// Read-model reads on a PostgreSQL streaming replica, with real servers the test starts
// itself (test/support/pg-replica.ts): the API process and a worker on that primary, the API
// told of the replica by DATABASE_REPLICA_URLS. Who answered is seen from outside: by what a
// read returns while the replica's replay is paused (its older state), by the API's metrics,
// and by the API's connections in the replica's pg_stat_activity.
import { ApiProcess, startApiProcess } from './support/api-process';
import { runCli } from './support/cli-process';
import { TEST_REDIS_URL } from './support/environment';
import { expectEventually } from './support/eventually';
import { personnelEvent } from './support/events';
import { PgReplicaPair, startPrimaryWithReplica } from './support/pg-replica';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { expectLogIntactAndReadModelsReplayed, waitForProjectionsCaughtUp } from './support/replay-check';
import { readEvents } from './support/sse';
import { ADMIN_KEY, requestJson } from './support/test-api';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish } from './support/writers';

const MISSIONS = ['replica-a', 'replica-b'];
/** Where a read with minPosition must have answered, replica or not (the contract's budget is 10 s). */
const MIN_POSITION_BUDGET_MS = 10_000;

type Reads = Record<'replica' | 'primary' | 'fallback', number> & { reasons: Record<string, number> };

/** The read counters of /metrics: reads by how they were routed, and the reasons for falling back. */
async function readCounters(api: ApiProcess): Promise<Reads> {
  const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
  const counts: Reads = { replica: 0, primary: 0, fallback: 0, reasons: {} };
  for (const [, labels, value] of text.matchAll(/^mission_tracker_read_model_reads_total\{([^}]*)\} (\S+)$/gm)) {
    const via = /via="([^"]+)"/.exec(labels)![1] as keyof Omit<Reads, 'reasons'>;
    counts[via] += Number(value);
  }
  for (const [, reason, value] of text.matchAll(/^mission_tracker_replica_fallbacks_total\{reason="([^"]+)"\} (\S+)$/gm)) counts.reasons[reason] = Number(value);
  return counts;
}

const since = (before: Reads, after: Reads) => ({
  replica: after.replica - before.replica,
  primary: after.primary - before.primary,
  fallback: after.fallback - before.fallback,
});

describe('read-model reads on a PostgreSQL replica', () => {
  let pair: PgReplicaPair;
  let api: ApiProcess;
  let worker: WorkerProcess;
  /** What each mission's personnel `pledged` must be, kept as the test appends. */
  const pledged: Record<string, number> = {};
  const figures: string[] = [];

  const get = (path: string) => api.request('GET', path);
  const append = async (missionId: string, personnel: number) => {
    const { status, body } = await api.request('POST', `/v1/missions/${missionId}/events`, { events: [personnelEvent('PersonnelPledged', 'KEN', personnel)] });
    expect(status).toBe(201);
    pledged[missionId] += personnel;
    return body.events[0].position as number;
  };
  /** Appends one person and reads it back with minPosition: the answer has the write. Returns the wait (ms) and the position. */
  const appendAndReadOwnWrite = async (missionId: string) => {
    const at = await append(missionId, 1);
    const started = Date.now();
    const read = await get(`/v1/missions/${missionId}/personnel?minPosition=${at}`);
    const waited = Date.now() - started;
    expect([read.status, read.body.pledged]).toEqual([200, pledged[missionId]]);
    expect(read.body.position).toBeGreaterThanOrEqual(at);
    return { waited, at };
  };
  const replicaState = async () => (await get('/health/ready')).body.replicas?.[0]?.state;

  beforeAll(async () => {
    pair = await startPrimaryWithReplica();
    figures.push(`primary + replica started (initdb, schema, base backup, both up) in ${pair.startedInMs} ms`);
    api = await startApiProcess(pair.primaryUrl, { DATABASE_REPLICA_URLS: pair.replicaUrl });
    worker = await startWorker(pair.primaryUrl, api.redisPrefix);
    for (const missionId of MISSIONS) {
      expect((await api.request('POST', `/v1/missions/${missionId}/events`, establish(missionId))).status).toBe(201);
      pledged[missionId] = 0;
      await append(missionId, 10);
    }
    await waitForProjectionsCaughtUp(get);
    await pair.caughtUp();
  }, 120_000);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await pair?.stop();
    if (api) await deleteRedisPrefix(TEST_REDIS_URL, api.redisPrefix).catch(() => undefined);
    if (figures.length) console.log(`replica figures:\n  ${figures.join('\n  ')}`);
  });

  it('serves personnel, funding, timeline, missions and asOf replays from the replica, with the right answers', async () => {
    await expectEventually(async () => expect(await replicaState()).toBe('up'));
    const before = await readCounters(api);
    let reads = 0;
    for (let round = 0; round < 5; round++) {
      for (const missionId of MISSIONS) {
        const personnel = await get(`/v1/missions/${missionId}/personnel`);
        expect([personnel.status, personnel.body.pledged]).toEqual([200, pledged[missionId]]);
        const asOf = await get(`/v1/missions/${missionId}/personnel?asOf=2024-12-31`);
        expect([asOf.status, asOf.body.pledged]).toEqual([200, pledged[missionId]]);
        expect((await get(`/v1/missions/${missionId}/funding`)).status).toBe(200);
        const timeline = await get(`/v1/missions/${missionId}/timeline`);
        expect([timeline.status, timeline.body.items.length]).toEqual([200, 2]);
        reads += 4;
      }
      const list = await get('/v1/missions');
      expect(list.body.missions.map((m: { missionId: string; personnel: { pledged: number } }) => [m.missionId, m.personnel.pledged])).toEqual(MISSIONS.map((id) => [id, pledged[id]]));
      reads += 1;
    }
    expect(since(before, await readCounters(api))).toEqual({ replica: reads, primary: 0, fallback: 0 });
    // The API's read pool is connected to the replica (seen from the replica itself).
    const connections = await pair.query<{ n: number }>('replica', "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'mission-tracker-api-reads'");
    expect(connections[0].n).toBeGreaterThan(0);
    // The log reads (strict freshness) and the projections' status stay on the primary: not counted as read-model reads.
    expect((await get('/v1/events?after=0&limit=10')).status).toBe(200);
    expect((await get('/v1/projections')).status).toBe(200);
    expect(since(before, await readCounters(api))).toEqual({ replica: reads, primary: 0, fallback: 0 });
    figures.push(`caught-up replica: ${reads} of ${reads} read-model reads served by it`);
  });

  it('while replay is paused: plain reads show the replica’s older state, minPosition reads are right within the budget, a revoked key stops at once', async () => {
    const [missionId] = MISSIONS;
    const viewer = (await api.request('POST', '/v1/api-keys', { name: 'replica-viewer', role: 'viewer' })).body;
    expect((await requestJson(api.baseUrl, 'GET', `/v1/missions/${missionId}/personnel`, { key: viewer.key })).status).toBe(200);
    const stream = new AbortController();
    const live = await fetch(`${api.baseUrl}/v1/missions/${missionId}/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: stream.signal });
    await readEvents(live.body!, (events) => events.length >= 2);

    await pair.pauseReplay();
    try {
      const old = pledged[missionId];
      const position = await append(missionId, 7);
      // The primary's projection has it...
      await expectEventually(async () => expect(Math.min(...(await get('/v1/projections')).body.projections.map((p: { position: number }) => p.position))).toBeGreaterThanOrEqual(position));
      // ...the replica does not: a plain read (no minPosition) answers the replica's older state.
      const stale = await get(`/v1/missions/${missionId}/personnel`);
      expect(stale.status).toBe(200);
      expect(stale.body.position).toBeLessThan(position);
      expect(stale.body.pledged).toBe(old);

      // Read-your-writes: right after each append, the answer has the write, well within the budget.
      const before = await readCounters(api);
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { waited, at } = await appendAndReadOwnWrite(missionId);
        waits.push(waited);
        const timeline = await get(`/v1/missions/${missionId}/timeline?minPosition=${at}&limit=1`);
        expect([timeline.status, timeline.body.items[0].position]).toEqual([200, at]);
      }
      expect(Math.max(...waits)).toBeLessThan(MIN_POSITION_BUDGET_MS);
      const after = await readCounters(api);
      expect(since(before, after).fallback).toBeGreaterThanOrEqual(10); // answered by the primary: the replica could not have
      expect((after.reasons.behind ?? 0) + (after.reasons.unavailable ?? 0)).toBeGreaterThanOrEqual(10);
      figures.push(`replay paused: read-your-writes with minPosition answered by the primary in ${Math.min(...waits)}-${Math.max(...waits)} ms`);

      // A live viewer gets the new state too (the primary's, as the replica cannot have it).
      const isNew = (e: { event: string; data: { pledged?: number } }) => e.event === 'personnel' && e.data.pledged === pledged[missionId];
      const update = await readEvents(live.body!, (events) => events.some(isNew));
      expect(update.find(isNew)!.data.position).toBeGreaterThanOrEqual(position);

      // API keys are read on the primary: a revocation holds at once, replica or not.
      expect((await api.request('DELETE', `/v1/api-keys/${viewer.id}`)).status).toBe(204);
      expect((await requestJson(api.baseUrl, 'GET', `/v1/missions/${missionId}/personnel`, { key: viewer.key })).status).toBe(401);

      // Past the lag bound the replica is skipped: plain reads are fresh again (from the primary).
      await expectEventually(async () => expect(await replicaState()).toBe('lagging'), 15_000, 200);
      const fresh = await get(`/v1/missions/${missionId}/personnel`);
      expect([fresh.status, fresh.body.pledged]).toEqual([200, pledged[missionId]]);
      expect((await readCounters(api)).reasons.unavailable).toBeGreaterThan(0);
    } finally {
      stream.abort();
      await pair.resumeReplay();
    }
    await expectEventually(async () => expect(await replicaState()).toBe('up'), 15_000, 200);
    const before = await readCounters(api);
    const back = await get(`/v1/missions/${missionId}/personnel`);
    expect([back.status, back.body.pledged]).toEqual([200, pledged[missionId]]);
    expect(since(before, await readCounters(api))).toEqual({ replica: 1, primary: 0, fallback: 0 });
  });

  it('reads its own writes right after each append with replay running, from whichever server answers', async () => {
    const before = await readCounters(api);
    const waits: number[] = [];
    const ROUNDS = 30;
    for (let i = 0; i < ROUNDS; i++) {
      const missionId = MISSIONS[i % MISSIONS.length];
      waits.push((await appendAndReadOwnWrite(missionId)).waited);
    }
    const split = since(before, await readCounters(api));
    expect(split.replica + split.fallback + split.primary).toBe(ROUNDS);
    expect(split.replica).toBeGreaterThan(0);
    waits.sort((a, b) => a - b);
    figures.push(
      `replay running, ${ROUNDS} append-then-read(minPosition): ${split.replica} answered by the replica, ${split.fallback} by the primary; ` +
        `wait median ${waits[ROUNDS >> 1]} ms, max ${waits[ROUNDS - 1]} ms`,
    );
  });

  it('with the replica stopped reads still answer 200 (the primary), ready says so; restarted, reads go back to it', async () => {
    await pair.stopReplica();
    const before = await readCounters(api);
    for (let i = 0; i < 10; i++) {
      for (const missionId of MISSIONS) {
        const started = Date.now();
        const read = await get(`/v1/missions/${missionId}/personnel`);
        expect([read.status, read.body.pledged]).toEqual([200, pledged[missionId]]);
        expect(Date.now() - started).toBeLessThan(2_000);
      }
    }
    expect(since(before, await readCounters(api))).toEqual({ replica: 0, primary: 0, fallback: 20 });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', postgres: 'up', redis: 'up', replicas: [{ name: `127.0.0.1:${pair.replicaPort}`, state: 'down' }] });
    const status = await runCli(['status'], { MT_URL: api.baseUrl, MT_API_KEY: ADMIN_KEY });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^replica     127\\.0\\.0\\.1:${pair.replicaPort} down.* \\(its reads go to the primary\\)$`, 'm'));
    // Writes and their reads go on meanwhile.
    const at = await append(MISSIONS[1], 3);
    const read = await get(`/v1/missions/${MISSIONS[1]}/personnel?minPosition=${at}`);
    expect([read.status, read.body.pledged]).toEqual([200, pledged[MISSIONS[1]]]);

    const restartedAt = Date.now();
    await pair.startReplica();
    await expectEventually(async () => expect(await replicaState()).toBe('up'), 15_000, 100);
    const backAfter = Date.now() - restartedAt;
    const again = await readCounters(api);
    for (const missionId of MISSIONS) {
      const answer = await get(`/v1/missions/${missionId}/personnel?minPosition=${at}`);
      expect([answer.status, answer.body.pledged]).toEqual([200, pledged[missionId]]);
    }
    expect(since(again, await readCounters(api)).replica).toBeGreaterThan(0);
    figures.push(`replica stopped: 20 of 20 reads answered 200 by the primary; restarted, serving reads again ${backAfter} ms after its start began`);

    // And through the replica, every read model equals a replay of the log.
    await waitForProjectionsCaughtUp(get);
    await pair.caughtUp();
    await expectLogIntactAndReadModelsReplayed(get, []);
  });
});
