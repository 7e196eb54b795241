// What `npm run bench` prints and writes: a series of runs per side of a comparison (a
// figure and the CPU of each run), and the tables made of them.
import { FeedVerdict } from './feed-check';
import { LockBusy } from './lock-sampler';
import { CPU_GROUPS, CpuGroup, CpuWindow, perEvent } from './cpu';
import { median, summarize, Summary } from './stats';
import type { ScalingResult } from '../scaling';

/**
 * One side of a comparison: a figure per run (events/s, or ms) and the CPU of each run.
 * `loadGenerator`: the benchmark process only drives the service (HTTP requests, polling)
 * and its CPU is left out of the system's; otherwise it is the system (a raw pg client, a
 * library host) and counts.
 */
export class Series {
  readonly values: number[] = [];
  readonly cpu: CpuWindow[] = [];
  constructor(readonly loadGenerator = false) {}
  add(value: number, cpu: CpuWindow): void {
    this.values.push(value);
    this.cpu.push(cpu);
  }
  get summary(): Summary {
    return summarize(this.values);
  }
  /** Median over runs of each group's µs per event (medians each: they need not add up). */
  get cpuPerEvent() {
    const runs = this.cpu.map(perEvent);
    const med = (pick: (r: (typeof runs)[number]) => number | null) => {
      const values = runs.map(pick).filter((v): v is number => v !== null);
      return values.length ? median(values) : null;
    };
    return {
      ...(Object.fromEntries(CPU_GROUPS.map((g) => [g, med((r) => r[g])])) as Record<CpuGroup, number | null>),
      /** The system's CPU: every group, less the load generator's where it only drives the service. */
      system: summarize(runs.map((r) => r.total - (this.loadGenerator ? (r.client ?? 0) : 0))),
      /** Every group, the load generator included. */
      total: summarize(runs.map((r) => r.total)),
      host: med((r) => r.host),
      capacity: med((r) => r.capacity),
    };
  }
  toJSON() {
    return { ...this.summary, loadGenerator: this.loadGenerator, cpuUsPerEvent: this.cpuPerEvent, cpuWindows: this.cpu };
  }
}

export interface FeedChecks {
  events: number;
  ours: { tailing: FeedVerdict; afterwards: FeedVerdict; conflictsRetried: number };
  emmett: { tailing: FeedVerdict; afterwards: FeedVerdict; conflictsRetried: number };
}

/** Events/s of a window whose count is known. */
export const rate = (cpu: CpuWindow) => cpu.events / (cpu.wallMs / 1000);

export const fmt = (s: Summary) => `${num(s.median)} (${num(s.min)}-${num(s.max)})`;
export const num = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const cell = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : num(n));
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '');

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** The same comparisons as numbers, for the JSON. */
  records?: Record<string, number | string | null>[];
}

export function buildTables(r: {
  s1: Record<'raw' | 'http' | 'library' | 'emmett', Series>;
  s2: Record<'raw' | 'http', Series>;
  s3: Record<'raw' | 'rebuild', Series>;
  s4: { toyP50: Series; toyP99: Series; p50: Series; p99: Series };
  ceiling: Record<'raw' | 'library', Series>;
  ceilingLock: LockBusy[];
  libraryLock: LockBusy[];
  logSize: number;
  p50Empty: Summary;
  p50Large: Summary;
  rssSmall: { events: number; mb: number };
  rssLarge: { events: number; mb: number };
  memory: { apiMb: number; workerMb: number };
  scaling: ScalingResult;
  feeds: FeedChecks;
  lagRate: number;
  ceilingShape: { callers: number; batch: number };
  cores: number;
}): Table[] {
  const LAG_RATE = r.lagRate;
  const CEILING = r.ceilingShape;
  const main: Table = {
    title: "Scenarios: ours against the baseline of the same run (medians, min-max); the system's CPU µs per event (every process but an HTTP load generator)",
    header: ['scenario', 'unit', 'ours median (min-max)', 'baseline median (min-max)', 'ratio', 'target', 'ours CPU µs/ev', 'baseline CPU µs/ev', 'CPU ratio', 'CPU target'],
    rows: [],
    records: [],
  };
  const compare = (scenario: string, unit: string, ours: Series, baseline: Series, target: string, cpuTarget = '', withCpu = true) => {
    const o = ours.cpuPerEvent.system.median;
    const b = baseline.cpuPerEvent.system.median;
    main.records!.push({
      scenario,
      unit,
      ours: ours.summary.median,
      baseline: baseline.summary.median,
      ratio: ours.summary.median / baseline.summary.median,
      target,
      cpuUsPerEventOurs: withCpu ? o : null,
      cpuUsPerEventBaseline: withCpu ? b : null,
      cpuRatio: withCpu ? o / b : null,
      cpuTarget,
    });
    main.rows.push([
      scenario,
      unit,
      fmt(ours.summary),
      fmt(baseline.summary),
      ratio(ours.summary.median, baseline.summary.median),
      target,
      withCpu ? fmt(ours.cpuPerEvent.system) : '',
      withCpu ? fmt(baseline.cpuPerEvent.system) : '',
      withCpu ? ratio(o, b) : '',
      cpuTarget,
    ]);
  };
  compare('1 single-event appends, HTTP, 16 clients (vs raw autocommit)', 'events/s', r.s1.http, r.s1.raw, '>= 0.5', '<= 3');
  compare('1 same, our store as a library (vs raw autocommit)', 'events/s', r.s1.library, r.s1.raw, '');
  compare('1 same, Emmett library (vs raw autocommit)', 'events/s', r.s1.emmett, r.s1.raw, '');
  compare('1 HTTP vs Emmett library', 'events/s', r.s1.http, r.s1.emmett, '> 1');
  compare('1 our library vs Emmett library', 'events/s', r.s1.library, r.s1.emmett, '> 1');
  compare('2 100-event batches, HTTP, 4 clients (vs raw batched)', 'events/s', r.s2.http, r.s2.raw, '>= 0.5');
  compare(`2C append-lock ceiling, library, ${CEILING.callers} callers × ${CEILING.batch} (vs raw batched, same)`, 'events/s', r.ceiling.library, r.ceiling.raw, '');
  compare(`3 rebuild all projections (${r.logSize} events; vs raw scan)`, 'events/s', r.s3.rebuild, r.s3.raw, '>= 0.4');
  compare(`4 append → visible p50 at ${LAG_RATE}/s (vs toy floor)`, 'ms', r.s4.p50, r.s4.toyP50, '<= 3');
  compare(`4 append → visible p99 at ${LAG_RATE}/s (vs toy floor)`, 'ms', r.s4.p99, r.s4.toyP99, '<= 2', '', false);
  main.rows.push([`5 append p50, ${r.rssLarge.events} events vs empty`, 'ms', fmt(r.p50Large), fmt(r.p50Empty), ratio(r.p50Large.median, r.p50Empty.median), '<= 1.5', '', '', '', '']);
  main.rows.push([`5 rebuild peak RSS, ${r.rssLarge.events} vs ${r.rssSmall.events} events`, 'MB', r.rssLarge.mb.toFixed(0), r.rssSmall.mb.toFixed(0), ratio(r.rssLarge.mb, r.rssSmall.mb), '<= 1.5', '', '', '', '']);
  main.rows.push(['6 peak RSS API / worker', 'MB', `${r.memory.apiMb.toFixed(0)} / ${r.memory.workerMb.toFixed(0)}`, '', '', '< 200 each', '', '', '', '']);

  const breakdown: Table = {
    title:
      'CPU µs per event by process (medians over runs). client: the benchmark process and library hosts, "(load)" where it only drives the service; ' +
      'system: all but such a load generator; host: the whole machine incl. other work; budget: cores × wall per event',
    header: ['run', 'events/s', 'API', 'worker', 'PostgreSQL (bench dbs)', 'PostgreSQL shared', 'client', 'system', 'total', 'host', 'budget'],
    rows: [],
  };
  const split = (name: string, s: Series, unit = 'events/s') => {
    const c = s.cpuPerEvent;
    const rateCell = unit === 'events/s' ? fmt(s.summary) : num(median(s.cpu.map(rate)));
    breakdown.rows.push([name, rateCell, cell(c.api), cell(c.worker), cell(c.pg), cell(c.pgShared), `${cell(c.client)}${s.loadGenerator ? ' (load)' : ''}`, cell(c.system.median), cell(c.total.median), cell(c.host), cell(c.capacity)]);
  };
  split('1 HTTP single events (API + worker projecting)', r.s1.http);
  split('1 our library, single events (no worker)', r.s1.library);
  split('1 Emmett library, single events', r.s1.emmett);
  split('1 raw autocommit inserts', r.s1.raw);
  split('2 HTTP 100-event batches', r.s2.http);
  split('2 raw batched inserts', r.s2.raw);
  split(`2C library ${CEILING.callers} × ${CEILING.batch}`, r.ceiling.library);
  split(`2C raw batched ${CEILING.callers} × ${CEILING.batch}`, r.ceiling.raw);
  split('3 rebuild all projections', r.s3.rebuild);
  split('3 raw paged scan', r.s3.raw);
  split(`4 lag run, ours at ${LAG_RATE}/s`, r.s4.p50, 'rate');
  split(`4 lag run, toy pipeline at ${LAG_RATE}/s`, r.s4.toyP50, 'rate');

  const feeds: Table = {
    title: `Global feeds after ${r.feeds.events} concurrent single-event appends (16 callers): every event exactly once, in an order consistent with the commits?`,
    header: ['store, reader', 'verdict', 'missing', 'duplicated', 'unexpected', 'out of real-time order', 'out of stream order'],
    rows: [],
  };
  const verdict = (name: string, v: FeedVerdict) =>
    feeds.rows.push([name, v.ok ? 'OK' : 'FAILED', String(v.missing), String(v.duplicates), String(v.unexpected), String(v.realTimeViolations), String(v.streamOrderViolations)]);
  verdict('ours, readAll tailing during the appends', r.feeds.ours.tailing);
  verdict('ours, readAll afterwards', r.feeds.ours.afterwards);
  verdict("Emmett, its consumer (reactor) tailing", r.feeds.emmett.tailing);
  verdict('Emmett, readMessagesBatch afterwards', r.feeds.emmett.afterwards);

  const lock: Table = {
    title:
      'The append lock (pg_locks sampled every 10 ms): how much of the time a backend held it; rate ÷ held share = what the lock alone would let through ' +
      'at the same hold time; cores × 1e6 ÷ system CPU µs/event = what the CPU would let through if the machine did nothing else',
    header: ['run', 'events/s', 'lock held', 'lock waited for', 'lock-bound events/s', 'CPU-bound events/s'],
    rows: [],
    records: [],
  };
  const lockRow = (name: string, s: Series, busy: LockBusy[]) => {
    const held = median(busy.map((b) => b.held));
    const contended = median(busy.map((b) => b.contended));
    const lockBound = held > 0 ? s.summary.median / held : null;
    const cpuBound = (r.cores * 1e6) / s.cpuPerEvent.system.median;
    lock.rows.push([name, fmt(s.summary), `${(100 * held).toFixed(0)} %`, `${(100 * contended).toFixed(0)} %`, cell(lockBound), cell(cpuBound)]);
    lock.records!.push({ run: name, eventsPerSecond: s.summary.median, lockHeld: held, lockContended: contended, lockBoundEventsPerSecond: lockBound, cpuBoundEventsPerSecond: cpuBound });
  };
  lockRow('1 our library, 16 callers × 1 event', r.s1.library, r.libraryLock);
  lockRow(`2C our library, ${CEILING.callers} callers × ${CEILING.batch} events`, r.ceiling.library, r.ceilingLock);

  return [main, breakdown, lock, feeds, scalingTable(r.scaling, r.s4)];
}

/** The worker scaling rows (issue 10), or the line saying why they were skipped; `s4` gives the lag ratio when it ran. */
export function scalingTable(result: ScalingResult, s4?: { p50: Series; p99: Series }): Table {
  if ('skipped' in result) return { title: 'Worker scaling (issue 10)', header: ['skipped'], rows: [[result.skipped]] };
  const scaling: Table = {
    title: `Worker scaling: catch-up of ${result.events} events with PROJECTION_PARTITIONS=${result.partitions}; ratio to one worker`,
    header: ['run', 'unit', 'median (min-max)', 'ratio to 1 worker', 'CPU µs/ev', 'CPU ratio', 'worker CPU µs/ev', 'PostgreSQL CPU µs/ev'],
    rows: [],
  };
  const byWorkers = new Map<number, Series>();
  for (const run of result.catchUp) {
    if (!byWorkers.has(run.workers)) byWorkers.set(run.workers, new Series(true));
    byWorkers.get(run.workers)!.add(run.rate, run.cpu);
  }
  const one = byWorkers.get(1) ?? [...byWorkers.values()][0];
  for (const [workers, s] of byWorkers) {
    const c = s.cpuPerEvent;
    const partly = result.catchUp.filter((c) => c.workers === workers).some((c) => !c.startupExcluded) ? ' (some start-up timed)' : '';
    scaling.rows.push([
      `catch-up, ${workers} worker(s)${partly}`,
      'events/s',
      fmt(s.summary),
      ratio(s.summary.median, one.summary.median),
      fmt(c.system),
      ratio(c.system.median, one.cpuPerEvent.system.median),
      cell(c.worker),
      cell(c.pg),
    ]);
  }
  const lag = { p50: new Series(true), p99: new Series(true) };
  for (const run of result.lag.runs) {
    lag.p50.add(run.p50, run.cpu);
    lag.p99.add(run.p99, run.cpu);
  }
  const vs = (ours: Series, base?: Series) => (base ? ratio(ours.summary.median, base.summary.median) : '');
  const cpuVs = (ours: Series, base?: Series) => (base ? ratio(ours.cpuPerEvent.system.median, base.cpuPerEvent.system.median) : '');
  const where = `${result.partitions} partitions, ${result.lag.workers} workers`;
  scaling.rows.push([`append → visible p50, ${where} (ratio: to row 4, 1 worker, no partitions)`, 'ms', fmt(lag.p50.summary), vs(lag.p50, s4?.p50), fmt(lag.p50.cpuPerEvent.system), cpuVs(lag.p50, s4?.p50), cell(lag.p50.cpuPerEvent.worker), cell(lag.p50.cpuPerEvent.pg)]);
  scaling.rows.push([`append → visible p99, ${where}`, 'ms', fmt(lag.p99.summary), vs(lag.p99, s4?.p99), '', '', '', '']);
  return scaling;
}

export function printTable(table: Table): void {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${table.header.map((_, c) => (r[c] ?? '').padEnd(widths[c])).join(' | ')} |`;
  console.log('');
  console.log(table.title);
  console.log(line(table.header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of table.rows) console.log(line(r));
}

