// Issue 10, item 5: projection throughput with 1, 2 and 4 worker processes over
// PROJECTION_PARTITIONS=4 (a catch-up of the whole log), and append→visible lag with 4
// partitions, with the CPU each costs per event. Runs only where the build supports
// partitioned projections (its schema stores partitions); otherwise it says so and skips.
//
// A catch-up run: a copy of a log filled beforehand with no worker running (nothing
// projected), an API on it (for GET /v1/projections), and K workers spawned while an
// ACCESS EXCLUSIVE lock on `events` (held by the benchmark) keeps them from reading it, so
// that their start-up is not timed; the clock starts when the lock is released and stops when
// GET /v1/projections shows every projection (and every partition it lists) at the head.
import { Client } from 'pg';
import { BenchDatabases } from './lib/databases';
import { CpuMeter, CpuWindow } from './lib/cpu';
import { HttpClient } from './lib/http-client';
import { localTcpPorts } from './lib/proc';
import { freePort, ServiceProcess, spawnService, startService } from './lib/processes';
import { sleep } from './lib/stats';
import { appendToVisibleLag, batchAppends } from './scenarios';
import { establish, MISSIONS } from './workload';

export interface ScalingOptions {
  meter: CpuMeter;
  databases: BenchDatabases;
  /** The migrated, never-connected template to copy. */
  template: string;
  env: Record<string, string>;
  adminKey: string;
  events: number;
  workers: number[];
  partitions: number;
  runs: number;
  lag: { rate: number; seconds: number };
  /** Run even where the schema shows no partitions (to exercise the scenario itself). */
  force: boolean;
  log: (line: string) => void;
}

export interface CatchUpRun {
  workers: number;
  rate: number;
  cpu: CpuWindow;
  /** False when not every worker was seen connected before the clock started (then some booted on the clock). */
  startupExcluded: boolean;
}

export type ScalingResult =
  | { skipped: string }
  | {
      events: number;
      partitions: number;
      catchUp: CatchUpRun[];
      lag: { workers: number; runs: { p50: number; p99: number; unresolved: number; achievedRate: number; cpu: CpuWindow }[] };
    };

/** What in the schema shows partitioned projections, or null when nothing does. */
export async function partitionSupport(databaseUrl: string): Promise<string | null> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ what: string }>(
      `SELECT 'events.' || column_name AS what FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'events' AND column_name ILIKE '%partition%'
       UNION ALL
       SELECT 'table ' || table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND (table_name ILIKE '%partition%' OR table_name = 'projection_checkpoints')`,
    );
    return rows.length > 0 ? rows.map((r) => r.what).join(', ') : null;
  } finally {
    await client.end();
  }
}

interface Status {
  name: string;
  status: string;
  position: number;
  headPosition: number;
  lagEvents?: number;
  partitions?: { position: number }[];
}

/** Every projection live at the head, and every partition it lists too. */
async function atHead(http: HttpClient): Promise<boolean> {
  const response = await http.send('GET', '/v1/projections');
  if (response.status !== 200) return false;
  const all: Status[] = response.body.projections;
  if (all.some((p) => p.status === 'failed')) throw new Error(`projection failed: ${JSON.stringify(all)}`);
  return all.every(
    (p) =>
      p.status === 'live' &&
      p.position >= p.headPosition &&
      (p.lagEvents === undefined || p.lagEvents === 0) &&
      (p.partitions ?? []).every((part) => part.position >= p.headPosition || (part as { lagEvents?: number }).lagEvents === 0),
  );
}

async function waitAtHead(http: HttpClient, timeoutMs = 600_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await atHead(http))) {
    if (performance.now() > deadline) throw new Error('projections did not reach the head in time');
    await sleep(100);
  }
}

/** True once every pid holds a connection to `database`, seen on two samples a second apart; false after `timeoutMs`. */
async function allConnected(adminUrl: string, database: string, pids: number[], timeoutMs: number): Promise<boolean> {
  // From the maintenance database, outside any transaction: pg_stat_activity is a snapshot per transaction.
  const db = new Client({ connectionString: adminUrl });
  await db.connect();
  try {
    const deadline = performance.now() + timeoutMs;
    let streak = 0;
    while (performance.now() < deadline) {
      const { rows } = await db.query<{ port: number }>('SELECT client_port AS port FROM pg_stat_activity WHERE datname = $1 AND client_port IS NOT NULL', [database]);
      const ports = new Set(rows.map((r) => r.port));
      const connected = pids.every((pid) => [...localTcpPorts(pid)].some((port) => ports.has(port)));
      streak = connected ? streak + 1 : 0;
      if (streak >= 2) return true;
      await sleep(1000);
    }
    return false;
  } finally {
    await db.end();
  }
}


export async function workerScaling(o: ScalingOptions): Promise<ScalingResult> {
  const support = (await partitionSupport(o.databases.url(o.template))) ?? (o.force ? 'none: forced by BENCH_SCALING_FORCE, workers share one lock' : null);
  if (!support) return { skipped: 'needs PROJECTION_PARTITIONS support (no partition column on events, no partition or projection_checkpoints table)' };
  o.log(`worker scaling: partitions found in the schema (${support}); ${o.events} events, ${o.partitions} partitions, workers ${o.workers.join('/')}`);

  const port = await freePort();
  const envFor = (url: string, tag: string) => ({
    ...o.env,
    DATABASE_URL: url,
    REDIS_PREFIX: `${o.env.REDIS_PREFIX}-${tag}`,
    PORT: String(port),
    PROJECTION_PARTITIONS: String(o.partitions),
  });
  const client = () => new HttpClient(`http://127.0.0.1:${port}`, o.adminKey, 8);
  const filled = await o.databases.create('scale', o.template);
  const running: ServiceProcess[] = [];
  const stopAll = async () => {
    for (const service of running.splice(0)) {
      o.meter.unwatch(service.pid);
      await service.stop();
    }
  };
  let lagDatabase: string | null = null;
  try {
    // The partition count is recorded while the log is empty (changing it later is a
    // re-partition): one worker starts with it once. A worker that refuses it is the answer.
    const env = envFor(filled.url, 'fill');
    running.push(await startService('api', env, 'API listening'));
    try {
      running.push(await startService('worker', env, 'worker running'));
    } catch (error) {
      return { skipped: `the worker refused PROJECTION_PARTITIONS=${o.partitions}: ${String(error).split('\n').slice(0, 3).join(' ')}` };
    }
    await stopAll();
    running.push(await startService('api', env, 'API listening'));
    const filler = client();
    for (let m = 0; m < MISSIONS; m++) await filler.send('POST', `/v1/missions/bench-${m}/events`, establish(m));
    await batchAppends(filler, Math.ceil(o.events / 100) * 100 - MISSIONS, 4);
    filler.close();
    await stopAll();
    const events = await countEvents(filled.url);
    o.log(`worker scaling: log of ${events} events written with no worker running`);

    // Catch-up runs, interleaved (1, 2, 4, 1, 2, 4, ...) so that drift hits each alike. The
    // last one's service stays up for the lag runs.
    const catchUp: CatchUpRun[] = [];
    let http: HttpClient | null = null;
    for (let r = 0; r < o.runs; r++) {
      for (const [index, k] of o.workers.entries()) {
        const last = r === o.runs - 1 && index === o.workers.length - 1;
        const copy = await o.databases.create(`scale_k${k}_r${r}`, filled.name);
        const copyEnv = envFor(copy.url, `k${k}-r${r}`);
        http = client();
        try {
          const api = await startService('api', copyEnv, 'API listening');
          running.push(api);
          o.meter.watch('api', api.pid);
          const hold = new Client({ connectionString: copy.url });
          await hold.connect();
          await hold.query('BEGIN');
          await hold.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
          // Their ready line comes after their first catch-up: no start-up timeout that could fire meanwhile.
          const spawned = Array.from({ length: k }, () => spawnService('worker', copyEnv, 'worker running', 3_600_000));
          for (const { service } of spawned) {
            running.push(service);
            o.meter.watch('worker', service.pid);
          }
          // A worker reports ready only after its first catch-up, so "started" is seen in
          // PostgreSQL instead: each one holds a connection to the copy (its pool, after
          // boot), twice in a row a second apart (the start-up schema check's connection is
          // brief). A worker that exits is an error.
          const exited = Promise.race(spawned.map((s) => s.ready.then(() => new Promise<never>(() => undefined))));
          const booted = await Promise.race([allConnected(o.databases.adminUrl, copy.name, spawned.map((s) => s.service.pid), 60_000), exited]);
          for (const { ready } of spawned) ready.catch(() => undefined); // stopped at the end of the run: not an error then
          const window = o.meter.open();
          const started = performance.now();
          await hold.query('COMMIT');
          await hold.end();
          await waitAtHead(http);
          const rate = events / ((performance.now() - started) / 1000);
          const cpu = window.close(events);
          catchUp.push({ workers: k, rate, cpu, startupExcluded: booted });
          o.log(`catch-up run ${r + 1}, ${k} worker(s): ${rate.toFixed(0)} events/s, ${(cpu.totalUs / events).toFixed(0)} total CPU µs/event${booted ? '' : ' (not every worker seen started: partly timed with fewer)'}`);
        } finally {
          if (last) lagDatabase = copy.name;
          else {
            http.close();
            await stopAll();
            await o.databases.drop(copy.name);
          }
        }
      }
    }

    // Append→visible lag, with the workers of the last catch-up run folding the partitions.
    const lagWorkers = o.workers[o.workers.length - 1];
    const lagRuns: { p50: number; p99: number; unresolved: number; achievedRate: number; cpu: CpuWindow }[] = [];
    for (let r = 0; r < o.runs; r++) {
      const { result, cpu } = await o.meter.measure(
        () => appendToVisibleLag(http!, o.databases.url(lagDatabase!), o.lag.rate, o.lag.seconds, o.partitions),
        o.lag.rate * o.lag.seconds,
      );
      lagRuns.push({ ...result, cpu });
      o.log(`lag run ${r + 1}, ${o.partitions} partitions, ${lagWorkers} workers: p50 ${result.p50.toFixed(1)} ms p99 ${result.p99.toFixed(1)} ms (${result.unresolved} unresolved)`);
    }
    http?.close();
    return { events, partitions: o.partitions, catchUp, lag: { workers: lagWorkers, runs: lagRuns } };
  } finally {
    await stopAll();
    if (lagDatabase) await o.databases.drop(lagDatabase);
    await o.databases.drop(filled.name);
  }
}

async function countEvents(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n);
  } finally {
    await client.end();
  }
}
