// One viewer flooding `asOf` replays must not starve the write path. A real API process, a
// mission of some thousands of events, many concurrent asOf readers with a viewer key (more
// than the replay limit lets run) and, meanwhile, appends of another key one after another.
// What is asserted is what starved writers before: replays waiting for their turn while
// holding a pooled connection in an open snapshot ("idle in transaction", seen in
// pg_stat_activity). Append latencies are printed, never asserted (a shared, noisy machine).
import { ApiProcess, startApiProcess } from './support/api-process';
import { fundingEvent } from './support/events';
import { requestJson } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { establish } from './support/writers';

const MISSION = 'flooded';
const EVENTS = 20_000;
/** The replays one API process runs at once (ReadModelsService). */
const REPLAY_SLOTS = 2;
const READERS = 24;
const APPENDS = 40;

describe('asOf replays and the write path', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let viewerKey: string;
  let operatorKey: string;

  beforeAll(async () => {
    db = await createTestDatabase('read_starvation');
    api = await startApiProcess(db.url, { RATE_LIMIT_PER_MINUTE: '0' });
    expect((await api.request('POST', `/v1/missions/${MISSION}/events`, establish(MISSION))).status).toBe(201);
    for (let done = 0; done < EVENTS; done += 1_000) {
      const events = Array.from({ length: 1_000 }, (_, i) => fundingEvent('FundingPledged', `donor-${(done + i) % 50}`, '1.25'));
      expect((await api.request('POST', `/v1/missions/${MISSION}/events`, { events })).status).toBe(201);
    }
    viewerKey = (await api.request('POST', '/v1/api-keys', { name: 'flooding-viewer', role: 'viewer' })).body.key;
    operatorKey = (await api.request('POST', '/v1/api-keys', { name: 'other-writer', role: 'operator' })).body.key;
  }, 120_000);

  afterAll(async () => {
    await api?.kill('SIGTERM');
    await db?.drop();
  });

  /** Connections of the API in an open transaction doing nothing (this suite's database; the test's own pool never opens one). */
  const idleInTransaction = async () =>
    (
      await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
      )
    ).rows[0].n;

  it('replays waiting for a slot hold no connection, and appends of another key go on meanwhile', async () => {
    let stopped = false;
    let inFlight = 0;
    const readStatuses: number[] = [];
    const reader = async () => {
      while (!stopped) {
        inFlight++;
        const { status, body } = await requestJson(api.baseUrl, 'GET', `/v1/missions/${MISSION}/funding?asOf=2100-01-01`, { key: viewerKey }).finally(() => inFlight--);
        readStatuses.push(status);
        if (status === 200) expect(Number(body.byCurrency[0].pledged)).toBe(EVENTS * 1.25);
        // A 503 "busy" (the waiting line is full) says retry shortly: do, not in a tight loop.
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    // Sampled while the flood runs: the most connections idle in a transaction, and how many
    // readers were waiting then (more than the slots: replays were queued).
    let worstIdle = 0;
    let queuedAtSamples = 0;
    const sampler = (async () => {
      while (!stopped) {
        const idle = await idleInTransaction();
        worstIdle = Math.max(worstIdle, idle);
        if (inFlight > REPLAY_SLOTS) queuedAtSamples++;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    const quiet = await timeAppends(5);
    const readers = Array.from({ length: READERS }, reader);
    // Let the flood fill the replay limit before the other key writes.
    while (readStatuses.length < READERS) await new Promise((resolve) => setTimeout(resolve, 20));
    const flooded = await timeAppends(APPENDS);
    stopped = true;
    await Promise.all([...readers, sampler]);

    const ok = readStatuses.filter((s) => s === 200).length;
    console.log(
      `asOf flood (${READERS} readers of a ${EVENTS}-event mission, ${ok} replays answered, ${readStatuses.length - ok} busy): ` +
        `appends of another key p50 ${percentile(quiet, 0.5)} ms quiet, p50 ${percentile(flooded, 0.5)} ms / p90 ${percentile(flooded, 0.9)} ms / max ${Math.max(...flooded)} ms flooded; ` +
        `at most ${worstIdle} connections idle in transaction`,
    );
    expect(queuedAtSamples).toBeGreaterThan(0);
    expect(readStatuses.every((s) => s === 200 || s === 503)).toBe(true);
    // The running replays (between chunks of their cursor) and the one append in flight, no more.
    expect(worstIdle).toBeLessThanOrEqual(REPLAY_SLOTS + 1);
  }, 180_000);

  /** `count` single-event appends of the operator key, one after another; their latencies (ms). */
  async function timeAppends(count: number): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = Date.now();
      const { status } = await requestJson(api.baseUrl, 'POST', `/v1/missions/${MISSION}/events`, { key: operatorKey, body: { events: [fundingEvent('FundingCommitted', 'USA', '1')] } });
      latencies.push(Date.now() - started);
      expect(status).toBe(201);
    }
    return latencies;
  }
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}
