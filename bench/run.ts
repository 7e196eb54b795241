// `npm run bench`: starts its own API and worker against a fresh database and Redis prefix,
// runs each scenario and its plain-pg / plain-BullMQ baseline BENCH_RUNS times (interleaved,
// so drift hits both), and measures for each the throughput (or latency) and the CPU time per
// event of every process involved (bench/lib/cpu.ts). Beside our HTTP path it runs our event
// store as a library and Emmett's library (the peer) on databases of their own, checks both
// global feeds, measures the append lock's ceiling, and the worker scaling rows where the
// build has partitioned projections. Prints medians (min-max) and ratios to the baseline of
// the same run against the targets of issue 11, and writes bench/results/<timestamp>.json.
// It reports; it never fails on a number (it fails when a scenario cannot run).
import 'reflect-metadata';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { loadConfig } from '@app/config';
import { PROJECTION_NAMES } from '@app/projections';
import { migrate } from '../scripts/migrate';
import { Measured, rawBatchedInserts, rawPagedScan, rawSingleInserts, toyPipelineLag } from './baselines';
import { CpuMeter, CpuWindow, findPostmaster } from './lib/cpu';
import { BenchDatabases } from './lib/databases';
import { checkFeed, describeVerdict } from './lib/feed-check';
import { FeedInputs, LibraryHost } from './lib/library-protocol';
import { HttpClient } from './lib/http-client';
import { LockBusy, sampleAppendLock } from './lib/lock-sampler';
import { freePort, interruption, onInterrupt, ServiceProcess, startService, stopAllChildren } from './lib/processes';
import { buildTables, FeedChecks, fmt, printTable, scalingTable, Series, Table } from './lib/report';
import { summarize, Summary } from './lib/stats';
import { drillDownReads, drillDownTable } from './drill-down';
import { workerScaling } from './scaling';
import { appendLatencyP50, appendToVisibleLag, batchAppends, fillLogTo, rebuild, singleEventAppends, waitUntilCaughtUp } from './scenarios';
import { establish, MISSIONS } from './workload';

const QUICK = process.argv.includes('--quick');
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 1 : 3));
const SCALE = Number(process.env.BENCH_SCALE ?? (QUICK ? 0.1 : 1));
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? (QUICK ? 5 : 30));
const LAG_RATE = 500;
const CLIENTS = 16;
const SINGLE_EVENTS = Math.round(20_000 * SCALE);
const BATCH_EVENTS = Math.round(200_000 * SCALE);
const FEED_EVENTS = Number(process.env.BENCH_FEED_EVENTS ?? Math.round(20_000 * SCALE));
const CEILING = { callers: 64, batch: 100, events: Math.round(320_000 * SCALE) };
const GROWTH_SMALL = Math.round(100_000 * SCALE);
const GROWTH_LARGE = Math.round(1_000_000 * SCALE);
const SCALING = {
  events: Number(process.env.BENCH_SCALING_EVENTS ?? Math.round(500_000 * SCALE)),
  workers: (process.env.BENCH_SCALING_WORKERS ?? '1,2,4').split(',').map(Number),
  partitions: Number(process.env.BENCH_SCALING_PARTITIONS ?? 4),
};
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const EMMETT_VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', 'node_modules', '@event-driven-io', 'emmett-postgresql', 'package.json'), 'utf8')).version;

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

const fromMeasured = (series: Series, m: Measured) => series.add(m.rate, m.cpu);

async function main(): Promise<void> {
  const base = loadConfig();
  const startedAt = performance.now();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const mainName = `mt_bench_${stamp.replace(/-/g, '_').toLowerCase()}`;
  const databases = new BenchDatabases(base.DATABASE_URL, mainName);
  const DATABASE_URL = databases.url(mainName);
  const REDIS_PREFIX = `mt-bench-${stamp}`;
  log(`database ${mainName}, Redis prefix {${REDIS_PREFIX}}, ${RUNS} runs per scenario${QUICK ? ' (--quick)' : ''}, scale ${SCALE}`);
  await migrate(DATABASE_URL, true);
  // Copies of the freshly migrated schema for our library run and the scaling rows, before
  // anything connects to it (a template must have no connections).
  const template = await databases.create('template', mainName);

  const postmaster = await findPostmaster(DATABASE_URL);
  const meter = new CpuMeter(postmaster, mainName);
  log(postmaster ? `CPU: PostgreSQL postmaster pid ${postmaster}; counting backends of ${mainName}*` : 'CPU: PostgreSQL is not on this host: its CPU is not counted');

  const env = {
    DATABASE_URL,
    REDIS_URL: base.REDIS_URL,
    REDIS_PREFIX,
    BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    // One key far above any per-key limit, on purpose.
    RATE_LIMIT_PER_MINUTE: '0',
    // The viewers load test opens 1,000 streams with the one admin key.
    LIVE_STREAMS_PER_KEY: '100000',
  };
  const scalingRows = () =>
    workerScaling({
      meter,
      databases,
      template: template.name,
      env,
      adminKey: ADMIN_KEY,
      events: SCALING.events,
      workers: SCALING.workers,
      partitions: SCALING.partitions,
      runs: RUNS,
      lag: { rate: LAG_RATE, seconds: LAG_SECONDS },
      force: process.env.BENCH_SCALING_FORCE === '1',
      log,
    });
  const cleanUp = async () => {
    await databases.dropAll();
    await databases.drop(mainName);
    await deleteRedisKeys(base.REDIS_URL, `*${REDIS_PREFIX}*`); // prefix:{proj-<n>}:..., prefix:{maint}:..., the toy pipeline's keys
  };
  onInterrupt(async () => {
    await stopAllChildren();
    await cleanUp();
  });

  if (process.env.BENCH_ONLY === 'scaling') {
    // The worker scaling rows alone (about a third of the whole run), e.g. once partitions exist.
    try {
      const scaling = await scalingRows();
      if ('skipped' in scaling) log(`worker scaling skipped: ${scaling.skipped}`);
      const tables = [scalingTable(scaling)];
      for (const table of tables) printTable(table);
      writeResults(stamp, startedAt, mainName, { scaling }, tables);
    } finally {
      await cleanUp();
    }
    return;
  }

  if (process.env.BENCH_ONLY === 'drill') {
    // The drill-down reads alone (a minute or two): an API and a worker on the main database.
    const api = await startService('api', env, 'API listening');
    const worker = await startService('worker', env, 'worker running');
    const http = new HttpClient(`http://127.0.0.1:${env.PORT}`, ADMIN_KEY, CLIENTS);
    try {
      const drill = await drillDownReads(`http://127.0.0.1:${env.PORT}`, ADMIN_KEY, http, Number(process.env.BENCH_DRILL_EVENTS ?? 10_000), 15, Number(process.env.BENCH_DRILL_SPACING_HOURS ?? 1));
      const tables = [drillDownTable(drill)];
      for (const table of tables) printTable(table);
      writeResults(stamp, startedAt, mainName, { drill }, tables);
    } finally {
      http.close();
      await api.stop();
      await worker.stop();
      await cleanUp();
    }
    return;
  }

  const libraryDb = await databases.create('lib', template.name);
  const emmettDb = await databases.create('emmett');
  const api = await startService('api', env, 'API listening');
  let worker = await startService('worker', env, 'worker running');
  meter.watch('api', api.pid);
  meter.watch('worker', worker.pid);
  const http = new HttpClient(`http://127.0.0.1:${env.PORT}`, ADMIN_KEY, CLIENTS);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  pool.on('error', () => undefined); // an idle connection ended by the drop at the end of an interrupted run
  // Our store and Emmett's, each as a library in a process of its own (bench/library-host.ts).
  const library = await LibraryHost.start('ours', libraryDb.url);
  const emmett = await LibraryHost.start('emmett', emmettDb.url);
  meter.watch('client', library.pid);
  meter.watch('client', emmett.pid);
  const countEvents = async () => Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const results: Record<string, unknown> = {};

  try {
    for (let i = 0; i < MISSIONS; i++) await http.send('POST', `/v1/missions/bench-${i}/events`, establish(i));
    await library.call('setUp');
    await emmett.call('setUp');

    // 5a. Append latency on an (almost) empty log.
    const p50Empty = summarize(await repeat(() => appendLatencyP50(http, 300)));
    log(`append p50 at ${await countEvents()} events: ${fmt(p50Empty)} ms`);

    // 1. Single events from 16 callers: raw autocommit inserts, our HTTP path (API + worker
    // projecting), our store as a library, Emmett's library.
    const s1 = { raw: new Series(), http: new Series(true), library: new Series(), emmett: new Series() };
    let emmettConflicts = 0;
    const libraryLock: LockBusy[] = [];
    for (let r = 0; r < RUNS; r++) {
      fromMeasured(s1.raw, await rawSingleInserts(meter, DATABASE_URL, CLIENTS, SINGLE_EVENTS));
      const h = await meter.measure(() => withCatchUp(http, singleEventAppends(http, SINGLE_EVENTS, CLIENTS)), SINGLE_EVENTS);
      s1.http.add(h.result, h.cpu);
      const l = await meter.measure(() => sampleAppendLock(databases.adminUrl, libraryDb.name, 10, () => library.call('appendSingles', SINGLE_EVENTS, CLIENTS)), SINGLE_EVENTS);
      s1.library.add(SINGLE_EVENTS / (l.result.result.elapsedMs / 1000), l.cpu);
      libraryLock.push(l.result.lock);
      const e = await meter.measure(() => emmett.call<{ conflicts: number }>('appendSingles', SINGLE_EVENTS, CLIENTS), SINGLE_EVENTS);
      s1.emmett.add(SINGLE_EVENTS / (e.result.elapsedMs / 1000), e.cpu);
      emmettConflicts += e.result.result.conflicts;
      log(
        `S1 run ${r + 1}: raw ${s1.raw.values[r].toFixed(0)}, HTTP ${s1.http.values[r].toFixed(0)}, library ${s1.library.values[r].toFixed(0)}, ` +
          `Emmett ${s1.emmett.values[r].toFixed(0)} events/s; total CPU µs/event ${[s1.raw, s1.http, s1.library, s1.emmett].map((s) => us(s.cpu[r])).join(' / ')}`,
      );
    }
    results.s1 = { ...s1, emmettConflictsRetried: emmettConflicts, libraryAppendLock: libraryLock };
    await pool.query('DROP TABLE IF EXISTS bench_raw_events');

    // The global feeds after concurrent appends: a reader tailing while 16 callers append, and
    // one reading the whole feed afterwards, for ours and for Emmett.
    const feeds = await checkFeeds(library, emmett, FEED_EVENTS);
    results.feeds = feeds;

    // The append lock's ceiling: our store as a library, 64 callers × 100-event appends,
    // beside the same inserts without any lock.
    const ceiling = { raw: new Series(), library: new Series() };
    const ceilingLock: LockBusy[] = [];
    for (let r = 0; r < RUNS; r++) {
      fromMeasured(ceiling.raw, await rawBatchedInserts(meter, libraryDb.url, CEILING.callers, CEILING.events, CEILING.batch));
      const l = await meter.measure(
        () => sampleAppendLock(databases.adminUrl, libraryDb.name, 10, () => library.call('appendBatches', CEILING.events, CEILING.callers, CEILING.batch)),
        CEILING.events,
      );
      ceiling.library.add(CEILING.events / (l.result.result.elapsedMs / 1000), l.cpu);
      ceilingLock.push(l.result.lock);
      log(
        `ceiling run ${r + 1}: library ${ceiling.library.values[r].toFixed(0)} events/s (${us(l.cpu)} total CPU µs/event; append lock held ${(100 * l.result.lock.held).toFixed(0)} % of the time, ` +
          `waited for ${(100 * l.result.lock.contended).toFixed(0)} %), raw batched ${ceiling.raw.values[r].toFixed(0)} (${us(ceiling.raw.cpu[r])})`,
      );
    }
    results.ceiling = { ...ceiling, callers: CEILING.callers, batch: CEILING.batch, events: CEILING.events, appendLock: ceilingLock };

    // 5b. Rebuild memory at ~100k events (a fresh worker rebuilds `personnel` alone).
    await fillLogTo(http, countEvents, GROWTH_SMALL);
    await waitUntilCaughtUp(http);
    const replaceWorker = (w: ServiceProcess) => {
      meter.unwatch(worker.pid);
      worker = w;
      meter.watch('worker', w.pid);
    };
    const rssSmall = await rebuildPeakRss(() => worker, replaceWorker, env, http, await countEvents());
    log(`rebuild peak RSS at ${rssSmall.events} events: ${rssSmall.mb.toFixed(0)} MB`);

    // 2. 100-event batches vs raw batched inserts.
    const s2 = { raw: new Series(), http: new Series(true) };
    for (let r = 0; r < RUNS; r++) {
      fromMeasured(s2.raw, await rawBatchedInserts(meter, DATABASE_URL, 4, BATCH_EVENTS));
      const h = await meter.measure(() => withCatchUp(http, batchAppends(http, BATCH_EVENTS, 4)), BATCH_EVENTS);
      s2.http.add(h.result, h.cpu);
      log(`S2 run ${r + 1}: ours ${s2.http.values[r].toFixed(0)} ev/s (${us(h.cpu)} total CPU µs/event), raw ${s2.raw.values[r].toFixed(0)} (${us(s2.raw.cpu[r])})`);
    }
    results.s2 = s2;
    await pool.query('DROP TABLE IF EXISTS bench_raw_events');

    // 3. Rebuild every projection from position 0 vs a raw paged scan of the same log.
    await waitUntilCaughtUp(http);
    const logSize = await countEvents();
    const s3 = { raw: new Series(), rebuild: new Series(true) };
    for (let r = 0; r < RUNS; r++) {
      await waitForPurge(pool);
      fromMeasured(s3.raw, await rawPagedScan(meter, DATABASE_URL));
      const b = await meter.measure(() => rebuild(http, [...PROJECTION_NAMES], logSize), logSize);
      s3.rebuild.add(b.result, b.cpu);
      log(`S3 run ${r + 1} (${logSize} events): ours ${s3.rebuild.values[r].toFixed(0)} ev/s (${us(b.cpu)} total CPU µs/event), raw scan ${s3.raw.values[r].toFixed(0)} (${us(s3.raw.cpu[r])})`);
    }
    results.s3 = { events: logSize, ...s3 };

    // 6. Peak memory of the API and the worker through scenarios 1-3.
    const memory = { apiMb: api.peakRssMb(), workerMb: worker.peakRssMb() };
    results.s6 = memory;
    log(`peak RSS: API ${memory.apiMb.toFixed(0)} MB, worker ${memory.workerMb.toFixed(0)} MB`);

    // 5c. Growth to ~1M events: append latency and rebuild memory again.
    await waitForPurge(pool);
    await fillLogTo(http, countEvents, GROWTH_LARGE);
    await waitUntilCaughtUp(http);
    const p50Large = summarize(await repeat(() => appendLatencyP50(http, 300)));
    const rssLarge = await rebuildPeakRss(() => worker, replaceWorker, env, http, await countEvents());
    log(`append p50 at ${rssLarge.events} events: ${fmt(p50Large)} ms; rebuild peak RSS ${rssLarge.mb.toFixed(0)} MB`);
    results.s5 = { appendP50Ms: { empty: p50Empty, large: p50Large, largeEvents: rssLarge.events }, rebuildPeakRssMb: { small: rssSmall, large: rssLarge } };

    // 4. Append -> visible lag at a steady rate, vs the toy pipeline.
    await waitUntilCaughtUp(http);
    await waitForPurge(pool);
    const s4 = { toyP50: new Series(), toyP99: new Series(), p50: new Series(true), p99: new Series(true), unresolved: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      const toy = await toyPipelineLag(meter, DATABASE_URL, base.REDIS_URL, `{${REDIS_PREFIX}-toy}`, LAG_RATE, LAG_SECONDS);
      s4.toyP50.add(toy.p50, toy.cpu);
      s4.toyP99.add(toy.p99, toy.cpu);
      const ours = await meter.measure(() => appendToVisibleLag(http, DATABASE_URL, LAG_RATE, LAG_SECONDS), LAG_RATE * LAG_SECONDS);
      s4.p50.add(ours.result.p50, ours.cpu);
      s4.p99.add(ours.result.p99, ours.cpu);
      s4.unresolved.push(ours.result.unresolved);
      log(
        `S4 run ${r + 1}: ours p50 ${ours.result.p50.toFixed(1)} ms p99 ${ours.result.p99.toFixed(1)} ms (${ours.result.achievedRate.toFixed(0)}/s, ${ours.result.unresolved} unresolved, ${us(ours.cpu)} total CPU µs/event); ` +
          `floor p50 ${toy.p50.toFixed(1)} p99 ${toy.p99.toFixed(1)} ms (${us(toy.cpu)} total CPU µs/event)`,
      );
    }
    results.s4 = s4;

    // 8. Drill-down reads (section 10) on a mission of 10,000 events.
    const drill = await drillDownReads(`http://127.0.0.1:${env.PORT}`, ADMIN_KEY, http, Number(process.env.BENCH_DRILL_EVENTS ?? 10_000), 15, Number(process.env.BENCH_DRILL_SPACING_HOURS ?? 1));
    results.drill = drill;
    log(`drill-down at ${drill.events} events: ${drill.reads.map((x) => `${x.read} ${x.p50Ms.toFixed(0)} ms`).join(', ')}; correction visible after ${drill.correctionVisibleMs.toFixed(0)} ms`);

    // 7. Worker scaling over partitioned projections (issue 10), where the build has them, on
    // services of its own: the main ones stop (their timers would count in its windows).
    for (const service of [api, worker]) {
      meter.unwatch(service.pid);
      await service.stop();
    }
    const scaling = await scalingRows();
    results.scaling = scaling;
    if ('skipped' in scaling) log(`worker scaling skipped: ${scaling.skipped}`);

    const tables = [
      ...buildTables({ s1, s2, s3, s4, ceiling, ceilingLock, libraryLock, logSize, p50Empty, p50Large, rssSmall, rssLarge, memory, scaling, feeds, lagRate: LAG_RATE, ceilingShape: CEILING, cores: cpus().length }),
      drillDownTable(drill),
    ];
    for (const table of tables) printTable(table);
    writeResults(stamp, startedAt, mainName, results, tables);
  } finally {
    http.close();
    await library.stop();
    await emmett.stop();
    await api.stop();
    await worker.stop();
    await pool.end();
    await cleanUp();
  }
}

function writeResults(stamp: string, startedAt: number, mainName: string, results: Record<string, unknown>, tables: Table[]): void {
  const minutes = (performance.now() - startedAt) / 60_000;
  log(`total ${minutes.toFixed(1)} minutes`);
  const file = join(__dirname, '..', '..', 'bench', 'results', `${stamp}.json`);
  mkdirSync(join(file, '..'), { recursive: true });
  const document = {
    at: new Date().toISOString(),
    minutes,
    machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    runs: RUNS,
    scale: SCALE,
    quick: QUICK,
    lagSeconds: LAG_SECONDS,
    peer: { emmett: EMMETT_VERSION, pool: "Emmett's default (pg.Pool, 10 connections); ours createDatabase (20)" },
    cpu: {
      unit: 'µs of CPU per event (utime + stime from /proc; medians over runs)',
      groups: {
        api: 'the API process',
        worker: 'the worker process(es)',
        pg: `PostgreSQL backends serving the benchmark's databases (${mainName}*)`,
        pgShared: "PostgreSQL's own processes serving every database (postmaster, checkpointer, background writer, WAL writer, launchers)",
        client: 'the benchmark process (load generator, raw baselines, toy pipeline) and the library hosts (our store, Emmett)',
        system: 'all groups, less the benchmark process where it only drives the service over HTTP (loadGenerator: true)',
        host: 'the whole host, /proc/stat busy time (includes everything else running here)',
        capacity: 'cores × wall time: what the machine could give per event',
      },
    },
    results,
    tables,
  };
  writeFileSync(file, JSON.stringify(document, null, 2));
  log(`results written to ${file}`);
}

/** The benchmark's Redis keys (its prefix's, the toy pipeline's {prefix-toy}, the scaling rows' prefix-...). */
async function deleteRedisKeys(redisUrl: string, match: string): Promise<void> {
  const redis = new Redis(redisUrl);
  for await (const keys of redis.scanStream({ match, count: 500 })) {
    if ((keys as string[]).length) await redis.del(...(keys as string[]));
  }
  redis.disconnect();
}

/**
 * The scenario's figure, once the worker has projected what it appended: the CPU window
 * covers the projection of every event (the figure itself times the appends only).
 */
async function withCatchUp<T>(http: HttpClient, scenario: Promise<T>): Promise<T> {
  const result = await scenario;
  await waitUntilCaughtUp(http);
  return result;
}

const us = (cpu: CpuWindow) => (cpu.totalUs / cpu.events).toFixed(0);

/** 16 callers append `events` single events to each store while a reader tails its feed; then the whole feed is read again. */
async function checkFeeds(library: LibraryHost, emmett: LibraryHost, events: number): Promise<FeedChecks> {
  const judge = (inputs: FeedInputs) => ({
    tailing: checkFeed(inputs.acks, inputs.tailing, (p) => p <= inputs.head),
    afterwards: checkFeed(inputs.acks, inputs.afterwards, (p) => p <= inputs.head),
    conflictsRetried: inputs.conflicts,
  });
  const ours = judge((await library.call<FeedInputs>('feedCheck', events, CLIENTS)).result);
  log(`feed, ours (readAll tailing): ${describeVerdict(ours.tailing)}`);
  log(`feed, ours (readAll afterwards): ${describeVerdict(ours.afterwards)}`);
  const theirs = judge((await emmett.call<FeedInputs>('feedCheck', events, CLIENTS)).result);
  log(`feed, Emmett (its consumer, tailing): ${describeVerdict(theirs.tailing)}`);
  log(`feed, Emmett (readMessagesBatch afterwards): ${describeVerdict(theirs.afterwards)}${theirs.conflictsRetried ? `; ${theirs.conflictsRetried} appends refused as conflicts and retried` : ''}`);
  return { events, ours, emmett: theirs };
}

/**
 * Each run starts from the same state: the rows of the generations the previous rebuild
 * replaced are purged in the background by the workers, and the next run waits for that
 * (the purge is cleanup after a rebuild, not part of it).
 */
async function waitForPurge(pool: Pool): Promise<void> {
  for (;;) {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM projection_generations WHERE state = 'retired'`);
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function repeat(measure: () => Promise<number>): Promise<number[]> {
  const values: number[] = [];
  for (let r = 0; r < RUNS; r++) values.push(await measure());
  return values;
}

/** Stops the long-lived worker, lets a fresh one rebuild `personnel`, reads its VmHWM. */
async function rebuildPeakRss(
  current: () => ServiceProcess,
  replace: (w: ServiceProcess) => void,
  env: Record<string, string>,
  http: HttpClient,
  events: number,
): Promise<{ events: number; mb: number }> {
  await current().stop();
  const fresh = await startService('worker', env, 'worker running');
  replace(fresh);
  await rebuild(http, ['personnel'], events);
  return { events, mb: fresh.peakRssMb() };
}

main().catch(async (error) => {
  const cleaningUp = interruption();
  if (cleaningUp) return cleaningUp; // interrupted: the clean-up exits when done
  console.error(error);
  process.exit(1);
});
