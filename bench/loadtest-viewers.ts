// `npm run loadtest -- --viewers`: 1,000 live (SSE) viewers on a few missions while events
// are posted to them. Measures the API's memory and open sockets before, during and after,
// the database work per append and per projection advance (pg_stat_database deltas of the
// bench database, against the same posting with no viewers), what each viewer received,
// and the same database work again after 1,000 viewers that disconnect at once.
import { Client, Pool } from 'pg';
import { PROJECTION_ADVANCED_CHANNEL } from '@app/projections';
import { BenchEnvironment } from './lib/bench-environment';
import { HttpClient } from './lib/http-client';
import { connectionsOnPort, openDescriptors, rssMb } from './lib/proc';
import { abortEarly, openViewer, Viewer } from './lib/sse-viewer';
import { median, sleep } from './lib/stats';
import { waitForProjections, Verdict } from './loadtest-checks';

const VIEWERS = Number(process.env.LOADTEST_VIEWERS ?? 1000);
const MISSIONS = Number(process.env.LOADTEST_VIEWER_MISSIONS ?? 4);
const SECONDS = Number(process.env.LOADTEST_VIEWER_SECONDS ?? 20);
/** Appends per second while viewers watch: low, so that a per-viewer design is measurable without drowning the machine. */
const RATE = Number(process.env.LOADTEST_VIEWER_RATE ?? 2);
const BASELINE_SECONDS = Math.max(5, Math.round(SECONDS / 2));
/** Our own keep-alive connections to the API (the HttpClient's and fetch's) that may come and go. */
const OWN_CONNECTIONS = 3;
/**
 * A backend flushes its statistics at most once a second, and one that goes idle right after
 * a flush only PGSTAT_IDLE_INTERVAL (10 s) later: wait that long at each end of a phase, so
 * the activity before it does not count in it and its own does.
 */
const STATS_FLUSH_MS = 11_000;

const missionId = (i: number) => `live-${i}`;

interface Snapshot {
  rssMb: number;
  heapUsedMb: number | null;
  fds: number;
  /** Every socket of the API: its clients, its database pool, Redis. */
  sockets: number;
  /** TCP connections of clients to the API's port. */
  connections: number;
}

interface PhaseCost {
  appends: number;
  advances: number;
  transactions: number;
  rollbacks: number;
  tuplesReturned: number;
  transactionsPerAppend: number;
  transactionsPerAdvance: number;
  tuplesReturnedPerAppend: number;
}

export async function runViewers(env: BenchEnvironment, log: (line: string) => void): Promise<{ results: Record<string, unknown>; verdicts: Verdict[] }> {
  const http = new HttpClient(env.baseUrl, env.adminKey, 2);
  const stats = new Pool({ connectionString: env.adminUrl, max: 1 });
  const listener = new Client({ connectionString: env.databaseUrl });
  const advances = { count: 0 };
  await listener.connect();
  listener.on('notification', (message) => {
    try {
      const { name } = JSON.parse(message.payload ?? '{}');
      if (name === 'personnel' || name === 'funding') advances.count++;
    } catch {
      // not ours
    }
  });
  await listener.query(`LISTEN ${PROJECTION_ADVANCED_CHANNEL}`);
  const api = env.api.child.pid!;
  const port = Number(new URL(env.baseUrl).port);
  const connections = () => connectionsOnPort(api, port);
  const snapshot = async (): Promise<Snapshot> => ({ rssMb: rssMb(api), heapUsedMb: await heapUsedMb(env), ...openDescriptors(api), connections: connections() });
  const cost = (label: string, post: () => Promise<number>, settle: () => Promise<void>) => measureCost(label, post, settle, stats, env.databaseName, advances, log);
  const missionIds = Array.from({ length: MISSIONS }, (_, i) => missionId(i));
  let viewers: Viewer[] = [];

  try {
    for (let i = 0; i < MISSIONS; i++) {
      await http.append(missionIds[i], [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Live mission ${i}`, hostCountry: 'HTI' } }]);
    }
    await waitForProjections(http);
    const before = await snapshot();
    log(`before: API RSS ${before.rssMb.toFixed(0)} MB, ${before.connections} client connections, ${before.sockets} sockets`);

    const baseline = await cost('no viewers', () => postAtRate(http, missionIds, RATE, BASELINE_SECONDS, 0), () => waitForProjections(http));

    log(`opening ${VIEWERS} viewers on ${MISSIONS} missions`);
    viewers = Array.from({ length: VIEWERS }, (_, i) => openViewer(env.baseUrl, env.adminKey, missionIds[i % MISSIONS]));
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(viewers.map((v) => v.ready)), new Promise((resolve) => (giveUp = setTimeout(resolve, 120_000)))]);
    clearTimeout(giveUp);
    const streaming = (v: Viewer) => v.status === 200 && v.readyMs !== undefined;
    const accepted = viewers.filter(streaming);
    const refused = countBy(viewers.filter((v) => !streaming(v)).map((v) => v.error ?? String(v.status ?? 'no answer')));
    const readyMs = accepted.map((v) => v.readyMs!);
    log(`${accepted.length} viewers streaming (first events after p50 ${median(readyMs).toFixed(0)} ms, max ${Math.max(...readyMs).toFixed(0)} ms)${Object.keys(refused).length ? `; refused: ${JSON.stringify(refused)}` : ''}`);
    const connected = await snapshot();

    let peakRssMb = connected.rssMb;
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(api))), 250);
    let expected: Record<string, Record<string, unknown>> = {};
    let converged = false;
    const framesBefore = accepted.map((v) => ({ ...v.frames }));
    const watched = await cost(
      `${VIEWERS} viewers`,
      () => postAtRate(http, missionIds, RATE, SECONDS, 1_000_000),
      async () => {
        await waitForProjections(http);
        expected = await readModels(http, missionIds);
        converged = await waitUntil(() => accepted.every((v) => matches(v, expected[v.missionId])), 180_000);
      },
    );
    clearInterval(sampler);
    const during = await snapshot();
    const updates = accepted.map((v, i) => (v.frames.personnel ?? 0) - (framesBefore[i].personnel ?? 0) + (v.frames.funding ?? 0) - (framesBefore[i].funding ?? 0));
    const behind = accepted.filter((v) => !matches(v, expected[v.missionId])).length;

    for (const viewer of viewers) viewer.close();
    viewers = [];
    await waitUntil(() => connections() <= before.connections + OWN_CONNECTIONS, 15_000);
    await sleep(2_000);
    const closed = await snapshot();
    log(`after closing: API RSS ${closed.rssMb.toFixed(0)} MB, ${closed.connections} client connections (before ${before.connections})`);

    log(`${VIEWERS} viewers connect and abort at once`);
    await Promise.all(Array.from({ length: VIEWERS }, (_, i) => abortEarly(env.baseUrl, env.adminKey, missionIds[i % MISSIONS])));
    await waitUntil(() => connections() <= before.connections + OWN_CONNECTIONS, 15_000);
    await sleep(2_000);
    const aborted = await snapshot();
    const afterAborts = await cost(`after ${VIEWERS} early aborts`, () => postAtRate(http, missionIds, RATE, BASELINE_SECONDS, 2_000_000), () => waitForProjections(http));
    const final = await snapshot();

    const extraPerAppend = watched.transactionsPerAppend - baseline.transactionsPerAppend;
    // A shared design reads each watched mission at most once per advance (two advances, personnel
    // and funding, per append); one read per viewer costs about two per viewer.
    const allowedExtra = 3 * MISSIONS;
    const verdicts: Verdict[] = [
      {
        check: `all ${VIEWERS} viewers accepted and streaming`,
        ok: accepted.length === VIEWERS,
        detail: `${accepted.length} streaming${Object.keys(refused).length ? `, refused or failed: ${JSON.stringify(refused)}` : ''}`,
      },
      {
        check: 'every viewer of a mission got its updates',
        ok: converged && behind === 0 && accepted.length > 0,
        detail: `${accepted.length - behind} of ${accepted.length} viewers ended on their mission's read model; updates per viewer min ${Math.min(...updates)}, median ${median(updates)}, max ${Math.max(...updates)} for ${watched.appends} appends over ${MISSIONS} missions`,
      },
      {
        check: 'one read per changed mission, not per viewer',
        ok: extraPerAppend <= allowedExtra,
        detail: `${watched.transactionsPerAppend.toFixed(1)} transactions per append with ${VIEWERS} viewers vs ${baseline.transactionsPerAppend.toFixed(1)} with none (+${extraPerAppend.toFixed(1)}; allowed +${allowedExtra}, 3 per watched mission)`,
      },
      {
        check: 'closed viewers release their connections',
        ok: closed.connections <= before.connections + OWN_CONNECTIONS,
        detail: `API client connections ${before.connections} before, ${connected.connections} with viewers, ${closed.connections} after they closed`,
      },
      {
        check: 'early aborts leave nothing behind',
        ok: aborted.connections <= before.connections + OWN_CONNECTIONS && afterAborts.transactionsPerAppend <= baseline.transactionsPerAppend * 1.5 + 2,
        detail: `${afterAborts.transactionsPerAppend.toFixed(1)} transactions per append after ${VIEWERS} early aborts vs ${baseline.transactionsPerAppend.toFixed(1)} before; API client connections ${aborted.connections}`,
      },
    ];

    const mb = (s: Snapshot) => `${s.rssMb.toFixed(0)} MB RSS${s.heapUsedMb === null ? '' : ` (heap ${s.heapUsedMb.toFixed(0)} MB)`}, ${s.connections} client connections, ${s.sockets} sockets`;
    console.log('');
    console.log(`API before        ${mb(before)}`);
    console.log(`API ${VIEWERS} viewers  ${mb(connected)} connected; peak RSS ${peakRssMb.toFixed(0)} MB while posting; ${mb(during)} after`);
    console.log(`API after close   ${mb(closed)}`);
    console.log(`API after aborts  ${mb(aborted)}; ${mb(final)} after posting again`);
    for (const phase of [baseline, watched, afterAborts]) {
      console.log(`database ${phase === baseline ? 'no viewers    ' : phase === watched ? `${VIEWERS} viewers  ` : 'after aborts  '} ${phase.transactionsPerAppend.toFixed(1)} transactions and ${phase.tuplesReturnedPerAppend.toFixed(0)} tuples returned per append, ${phase.transactionsPerAdvance.toFixed(1)} transactions per advance (${phase.appends} appends, ${phase.advances} advances)`);
    }
    console.log(`viewers           first events p50 ${median(readyMs).toFixed(0)} ms, max ${Math.max(...readyMs).toFixed(0)} ms; updates per viewer median ${median(updates)} (min ${Math.min(...updates)}, max ${Math.max(...updates)})`);
    console.log(`peak RSS          API ${env.api.peakRssMb().toFixed(0)} MB, worker ${env.worker.peakRssMb().toFixed(0)} MB`);

    const results = {
      viewers: VIEWERS,
      missions: MISSIONS,
      seconds: SECONDS,
      appendsPerSecond: RATE,
      api: { before, connected, during, peakRssMbWhilePosting: peakRssMb, closed, aborted, final, peakRssMb: env.api.peakRssMb() },
      workerPeakRssMb: env.worker.peakRssMb(),
      database: { noViewers: baseline, viewers: watched, afterEarlyAborts: afterAborts },
      viewerFigures: {
        accepted: accepted.length,
        refused,
        readyMs: { p50: median(readyMs), max: Math.max(...readyMs) },
        updatesPerViewer: { min: Math.min(...updates), median: median(updates), max: Math.max(...updates) },
        behind,
      },
    };
    return { results, verdicts };
  } finally {
    for (const viewer of viewers) viewer.close();
    http.close();
    await listener.end();
    await stats.end();
  }
}

/** Database work of one phase: posting, then settling, then the stats flush. */
async function measureCost(
  label: string,
  post: () => Promise<number>,
  settle: () => Promise<void>,
  stats: Pool,
  databaseName: string,
  advances: { count: number },
  log: (line: string) => void,
): Promise<PhaseCost> {
  const read = async () =>
    (await stats.query(`SELECT xact_commit + xact_rollback AS transactions, xact_rollback, tup_returned FROM pg_stat_database WHERE datname = $1`, [databaseName])).rows[0];
  await sleep(STATS_FLUSH_MS);
  const start = await read();
  const advancesAtStart = advances.count;
  log(`${label}: posting ${RATE} appends/s`);
  const appends = await post();
  await settle();
  await sleep(STATS_FLUSH_MS);
  const end = await read();
  const transactions = Number(end.transactions) - Number(start.transactions);
  const rollbacks = Number(end.xact_rollback) - Number(start.xact_rollback);
  const tuplesReturned = Number(end.tup_returned) - Number(start.tup_returned);
  const advanced = advances.count - advancesAtStart;
  const phase = {
    appends,
    advances: advanced,
    transactions,
    rollbacks,
    tuplesReturned,
    transactionsPerAppend: transactions / appends,
    transactionsPerAdvance: transactions / Math.max(1, advanced),
    tuplesReturnedPerAppend: tuplesReturned / appends,
  };
  log(`${label}: ${appends} appends, ${advanced} advances, ${transactions} transactions (${rollbacks} rolled back; ${phase.transactionsPerAppend.toFixed(1)} per append)`);
  return phase;
}

/**
 * One event per tick, round robin over the missions, alternating a personnel and a funding
 * change so that every append changes a model its viewers watch. Returns the appends made.
 */
async function postAtRate(http: HttpClient, missionIds: string[], rate: number, seconds: number, seed: number): Promise<number> {
  const started = performance.now();
  let appends = 0;
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    const n = seed + i;
    const event =
      Math.floor(i / missionIds.length) % 2 === 0
        ? { type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country: 'KEN', personnel: 1 + (n % 7) } }
        : { type: 'FundingPledged', occurredAt: '2024-03-01', data: { donor: 'USA', amount: `${100 + (n % 900)}`, currency: 'USD' } };
    await http.append(missionIds[i % missionIds.length], [event]);
    appends++;
    const due = started + ((i + 1) * 1000) / rate;
    await sleep(Math.max(0, due - performance.now()));
  }
  return appends;
}

async function readModels(http: HttpClient, missionIds: string[]): Promise<Record<string, Record<string, unknown>>> {
  const models: Record<string, Record<string, unknown>> = {};
  for (const id of missionIds) {
    models[id] = {
      personnel: withoutPosition((await http.send('GET', `/v1/missions/${id}/personnel`)).body),
      funding: withoutPosition((await http.send('GET', `/v1/missions/${id}/funding`)).body),
    };
  }
  return models;
}

const withoutPosition = (body: Record<string, unknown>) => {
  const { position: _position, ...model } = body;
  return JSON.stringify(model);
};

const matches = (viewer: Viewer, expected: Record<string, unknown> | undefined) =>
  expected !== undefined &&
  viewer.last.personnel !== undefined &&
  withoutPosition(viewer.last.personnel as Record<string, unknown>) === expected.personnel &&
  withoutPosition(viewer.last.funding as Record<string, unknown>) === expected.funding;

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** V8 heap in use, from the API's Prometheus metrics (null if it does not publish them). */
async function heapUsedMb(env: BenchEnvironment): Promise<number | null> {
  try {
    const response = await fetch(`${env.baseUrl}/metrics`, { headers: { authorization: `Bearer ${env.adminKey}` } });
    const text = await response.text();
    const bytes = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1];
    return bytes === undefined ? null : Number(bytes) / 2 ** 20;
  } catch {
    return null;
  }
}

function countBy(items: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}
