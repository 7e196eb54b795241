// `npm run bench`: starts its own API and worker against a fresh database and Redis prefix,
// runs each scenario and its plain-pg / plain-BullMQ baseline BENCH_RUNS times (interleaved,
// so drift hits both), prints median/min/max and the ratios against the targets of issue 4,
// and writes bench/results/<timestamp>.json. It reports; it never fails on a number.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { loadConfig } from '@app/config';
import { PROJECTION_NAMES } from '@app/projections';
import { migrate } from '../scripts/migrate';
import { rawBatchedInserts, rawPagedScan, rawSingleInserts, toyPipelineLag } from './baselines';
import { HttpClient } from './lib/http-client';
import { ServiceProcess, startService } from './lib/processes';
import { summarize, Summary } from './lib/stats';
import { appendLatencyP50, appendToVisibleLag, batchAppends, fillLogTo, rebuild, singleEventAppends, waitUntilCaughtUp } from './scenarios';
import { establish } from './workload';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 30);
const LAG_RATE = 500;
const SINGLE_EVENTS = Math.round(20_000 * SCALE);
const BATCH_EVENTS = Math.round(200_000 * SCALE);
const GROWTH_SMALL = Math.round(100_000 * SCALE);
const GROWTH_LARGE = Math.round(1_000_000 * SCALE);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(): Promise<void> {
  const base = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const databaseUrl = new URL(base.DATABASE_URL);
  databaseUrl.pathname = `/mt_bench_${stamp.replace(/-/g, '_').toLowerCase()}`;
  const DATABASE_URL = databaseUrl.toString();
  const REDIS_PREFIX = `mt-bench-${stamp}`;
  log(`database ${databaseUrl.pathname.slice(1)}, Redis prefix {${REDIS_PREFIX}}, ${RUNS} runs per scenario`);
  await migrate(DATABASE_URL, true);

  const env = { DATABASE_URL, REDIS_URL: base.REDIS_URL, REDIS_PREFIX, BOOTSTRAP_ADMIN_KEY: ADMIN_KEY, PORT: '3999', HOST: '127.0.0.1' };
  const api = await startService('api', env, 'API listening');
  let worker = await startService('worker', env, 'worker running');
  const http = new HttpClient('http://127.0.0.1:3999', ADMIN_KEY, 16);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 2 });
  const countEvents = async () => Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const results: Record<string, unknown> = {};
  const table: string[][] = [];
  const row = (scenario: string, metric: string, ours: Summary, baseline: Summary | null, ratio: number | null, target: string) =>
    table.push([scenario, metric, fmt(ours), baseline ? fmt(baseline) : '', ratio === null ? '' : ratio.toFixed(2), target, ratio === null ? '' : '']);

  try {
    for (let i = 0; i < 200; i++) await http.send('POST', `/v1/missions/bench-${i}/events`, establish(i));

    // 5a. Append latency on an (almost) empty log.
    const p50Empty = summarize(await repeat(() => appendLatencyP50(http, 300)));
    log(`append p50 at ${await countEvents()} events: ${fmt(p50Empty)} ms`);

    // 1. Single-event appends vs raw autocommit inserts.
    const s1: number[] = [];
    const s1raw: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      s1raw.push(await rawSingleInserts(DATABASE_URL, 16, SINGLE_EVENTS));
      s1.push(await singleEventAppends(http, SINGLE_EVENTS, 16));
      log(`S1 run ${r + 1}: ours ${s1[r].toFixed(0)} ev/s, raw ${s1raw[r].toFixed(0)} ev/s`);
    }
    results.s1 = { ours: summarize(s1), raw: summarize(s1raw) };

    // 5b. Rebuild memory at ~100k events (a fresh worker rebuilds `personnel` alone).
    await fillLogTo(http, countEvents, GROWTH_SMALL);
    await waitUntilCaughtUp(http);
    const rssSmall = await rebuildPeakRss(() => worker, (w) => (worker = w), env, http, await countEvents());
    log(`rebuild peak RSS at ${rssSmall.events} events: ${rssSmall.mb.toFixed(0)} MB`);

    // 2. 100-event batches vs raw batched inserts.
    const s2: number[] = [];
    const s2raw: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      s2raw.push(await rawBatchedInserts(DATABASE_URL, 4, BATCH_EVENTS));
      s2.push(await batchAppends(http, BATCH_EVENTS, 4));
      log(`S2 run ${r + 1}: ours ${s2[r].toFixed(0)} ev/s, raw ${s2raw[r].toFixed(0)} ev/s`);
    }
    results.s2 = { ours: summarize(s2), raw: summarize(s2raw) };
    await pool.query('DROP TABLE IF EXISTS bench_raw_events');

    // 3. Rebuild every projection from position 0 vs a raw paged scan of the same log.
    await waitUntilCaughtUp(http);
    const logSize = await countEvents();
    const s3: number[] = [];
    const s3raw: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      await waitForPurge(pool);
      s3raw.push((await rawPagedScan(DATABASE_URL)).rate);
      s3.push(await rebuild(http, [...PROJECTION_NAMES], logSize));
      log(`S3 run ${r + 1} (${logSize} events): ours ${s3[r].toFixed(0)} ev/s, raw scan ${s3raw[r].toFixed(0)} ev/s`);
    }
    results.s3 = { events: logSize, ours: summarize(s3), raw: summarize(s3raw) };

    // 6. Peak memory of the API and the worker through scenarios 1-3.
    const memory = { apiMb: api.peakRssMb(), workerMb: worker.peakRssMb() };
    results.s6 = memory;
    log(`peak RSS: API ${memory.apiMb.toFixed(0)} MB, worker ${memory.workerMb.toFixed(0)} MB`);

    // 5c. Growth to ~1M events: append latency and rebuild memory again.
    await waitForPurge(pool);
    await fillLogTo(http, countEvents, GROWTH_LARGE);
    await waitUntilCaughtUp(http);
    const p50Large = summarize(await repeat(() => appendLatencyP50(http, 300)));
    const rssLarge = await rebuildPeakRss(() => worker, (w) => (worker = w), env, http, await countEvents());
    log(`append p50 at ${rssLarge.events} events: ${fmt(p50Large)} ms; rebuild peak RSS ${rssLarge.mb.toFixed(0)} MB`);
    results.s5 = { appendP50Ms: { empty: p50Empty, large: p50Large, largeEvents: rssLarge.events }, rebuildPeakRssMb: { small: rssSmall, large: rssLarge } };

    // 4. Append -> visible lag at a steady rate, vs the toy pipeline.
    await waitUntilCaughtUp(http);
    await waitForPurge(pool);
    const lag = { p50: [] as number[], p99: [] as number[] };
    const floor = { p50: [] as number[], p99: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      const toy = await toyPipelineLag(DATABASE_URL, base.REDIS_URL, `{${REDIS_PREFIX}-toy}`, LAG_RATE, LAG_SECONDS);
      floor.p50.push(toy.p50);
      floor.p99.push(toy.p99);
      const ours = await appendToVisibleLag(http, DATABASE_URL, LAG_RATE, LAG_SECONDS);
      lag.p50.push(ours.p50);
      lag.p99.push(ours.p99);
      log(`S4 run ${r + 1}: ours p50 ${ours.p50.toFixed(1)} ms p99 ${ours.p99.toFixed(1)} ms (${ours.achievedRate.toFixed(0)}/s, ${ours.unresolved} unresolved); floor p50 ${toy.p50.toFixed(1)} p99 ${toy.p99.toFixed(1)} ms`);
    }
    results.s4 = { ours: { p50: summarize(lag.p50), p99: summarize(lag.p99) }, floor: { p50: summarize(floor.p50), p99: summarize(floor.p99) } };

    // The table.
    const s1r = results.s1 as { ours: Summary; raw: Summary };
    const s2r = results.s2 as { ours: Summary; raw: Summary };
    const s3r = results.s3 as { ours: Summary; raw: Summary };
    const s4r = results.s4 as { ours: { p50: Summary; p99: Summary }; floor: { p50: Summary; p99: Summary } };
    row('1 single-event appends', 'events/s', s1r.ours, s1r.raw, s1r.ours.median / s1r.raw.median, '>= 0.5');
    row('2 100-event batches', 'events/s', s2r.ours, s2r.raw, s2r.ours.median / s2r.raw.median, '>= 0.4');
    row(`3 rebuild all (${logSize} ev)`, 'events/s', s3r.ours, s3r.raw, s3r.ours.median / s3r.raw.median, '>= 0.3');
    row('4 append->visible p50', 'ms', s4r.ours.p50, s4r.floor.p50, s4r.ours.p50.median / s4r.floor.p50.median, '<= 5');
    row('4 append->visible p99', 'ms', s4r.ours.p99, s4r.floor.p99, s4r.ours.p99.median / s4r.floor.p99.median, '<= 2');
    row(`5 append p50 ${rssLarge.events} vs empty`, 'ms', p50Large, p50Empty, p50Large.median / p50Empty.median, '<= 1.5');
    table.push([`5 rebuild peak RSS ${rssLarge.events} vs ${rssSmall.events}`, 'MB', rssLarge.mb.toFixed(0), rssSmall.mb.toFixed(0), (rssLarge.mb / rssSmall.mb).toFixed(2), '<= 1.5', '']);
    table.push(['6 peak RSS API / worker', 'MB', `${memory.apiMb.toFixed(0)} / ${memory.workerMb.toFixed(0)}`, '', '', '< 300 each', '']);
    printTable(table);
  } finally {
    http.close();
    await api.stop();
    await worker.stop();
    await pool.end();
    const admin = new Client({ connectionString: base.DATABASE_URL.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseUrl.pathname.slice(1)}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    // The benchmark's Redis keys (prefix:... and the toy pipeline's {prefix-toy}...).
    const redis = new Redis(base.REDIS_URL);
    for await (const keys of redis.scanStream({ match: `*${REDIS_PREFIX}*`, count: 500 })) {
      if ((keys as string[]).length) await redis.del(...(keys as string[]));
    }
    redis.disconnect();
  }

  const file = join(__dirname, '..', '..', 'bench', 'results', `${stamp}.json`);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }, runs: RUNS, scale: SCALE, lagSeconds: LAG_SECONDS, results, table }, null, 2),
  );
  log(`results written to ${file}`);
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
  await rebuild(http, ['personnel'], events);
  const mb = fresh.peakRssMb();
  replace(fresh);
  return { events, mb };
}

const fmt = (s: Summary) => `${num(s.median)} (${num(s.min)}-${num(s.max)})`;
const num = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function printTable(rows: string[][]): void {
  const header = ['scenario', 'unit', 'ours median (min-max)', 'baseline median (min-max)', 'ratio', 'target'];
  const all = [header, ...rows.map((r) => r.slice(0, 6))];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => (cell ?? '').padEnd(widths[c])).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r.slice(0, 6)));
  console.log('');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
