// The scenarios of issue 4, each measured through the running service.
import { Client } from 'pg';
import { partitionOf } from '@app/domain';
import { HttpClient } from './lib/http-client';
import { percentile, runConcurrently, sleep } from './lib/stats';
import { benchEvent, missionId } from './workload';

/** Scenario 1: one event per request. Events/s. */
export async function singleEventAppends(http: HttpClient, total: number, clients: number): Promise<number> {
  const started = performance.now();
  await runConcurrently(clients, total, async (i) => {
    await http.append(missionId(i), [benchEvent(i)]);
  });
  return total / ((performance.now() - started) / 1000);
}

/** Scenario 2: 100 events per request. Events/s. */
export async function batchAppends(http: HttpClient, total: number, clients: number, batch = 100): Promise<number> {
  const started = performance.now();
  await runConcurrently(clients, Math.ceil(total / batch), async (b) => {
    await http.append(
      missionId(b),
      Array.from({ length: batch }, (_, k) => benchEvent(b * batch + k)),
    );
  });
  return total / ((performance.now() - started) / 1000);
}

interface ProjectionStatus {
  name: string;
  status: string;
  position: number;
  headPosition: number;
  rebuild: { position: number } | null;
}

async function projections(http: HttpClient): Promise<ProjectionStatus[]> {
  return (await http.send('GET', '/v1/projections')).body.projections;
}

export async function waitUntilCaughtUp(http: HttpClient, names?: string[]): Promise<void> {
  for (;;) {
    const all = await projections(http);
    const relevant = all.filter((p) => !names || names.includes(p.name));
    if (relevant.every((p) => p.status === 'live' && p.position >= p.headPosition)) return;
    if (relevant.some((p) => p.status === 'failed')) throw new Error(`projection failed: ${JSON.stringify(relevant)}`);
    await sleep(100);
  }
}

/** Scenario 3 (and 5): rebuild projections from position 0. Events/s over the whole log. */
export async function rebuild(http: HttpClient, names: string[], events: number): Promise<number> {
  await waitUntilCaughtUp(http);
  const started = performance.now();
  for (const name of names) {
    const response = await http.send('POST', `/v1/projections/${name}/rebuild`);
    if (response.status !== 202) throw new Error(`rebuild ${name}: ${response.status}`);
  }
  await sleep(50);
  await waitUntilCaughtUp(http, names);
  return events / ((performance.now() - started) / 1000);
}

/**
 * Scenario 4: appends at a steady rate; lag from each 201 until `personnel` reflects it.
 * With partitioned projections (`partitions` > 1) a notification that names its partition
 * makes visible the events of that partition's missions only, up to its position.
 */
export async function appendToVisibleLag(http: HttpClient, databaseUrl: string, ratePerSecond: number, seconds: number, partitions = 1) {
  // Subscribe to the workers' commit notifications: the moment a position is visible.
  const listener = new Client({ connectionString: databaseUrl });
  await listener.connect();
  let visibleEverywhere = 0;
  const visibleIn = new Map<number, number>();
  const isVisible = (position: number, partition: number) => position <= Math.max(visibleEverywhere, visibleIn.get(partition) ?? 0);
  const pending: { position: number; partition: number; acknowledged: number }[] = [];
  const lags: number[] = [];
  const settle = () => {
    const now = performance.now();
    for (let i = pending.length - 1; i >= 0; i--) {
      if (isVisible(pending[i].position, pending[i].partition)) {
        lags.push(Math.max(0, now - pending[i].acknowledged));
        pending.splice(i, 1);
      }
    }
  };
  listener.on('notification', (message) => {
    const { name, position, partition } = JSON.parse(message.payload ?? '{}');
    if (name !== 'personnel' || typeof position !== 'number') return;
    if (typeof partition === 'number') visibleIn.set(partition, Math.max(visibleIn.get(partition) ?? 0, position));
    else visibleEverywhere = Math.max(visibleEverywhere, position);
    settle();
  });
  await listener.query('LISTEN projection_advanced');
  const total = ratePerSecond * seconds;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await sleep(wait);
    const partition = partitions > 1 ? partitionOf(missionId(i), partitions) : 0;
    inflight.push(
      http.append(missionId(i), [benchEvent(i * 5)]).then((result) => {
        const position = result.events[0].position;
        if (isVisible(position, partition)) lags.push(0);
        else pending.push({ position, partition, acknowledged: performance.now() });
      }),
    );
  }
  await Promise.all(inflight);
  const deadline = performance.now() + 30_000;
  while (pending.length > 0 && performance.now() < deadline) await sleep(20);
  await listener.end();
  const achieved = total / ((performance.now() - started) / 1000);
  if (process.env.BENCH_DEBUG) console.log('lag p90/p95/p99/max ms', [90, 95, 99, 100].map((p) => percentile(lags, p).toFixed(1)).join(' / '));
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), unresolved: pending.length, achievedRate: achieved };
}

/** Scenario 5: sequential single-event append latency, p50 in ms. */
export async function appendLatencyP50(http: HttpClient, count: number): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await http.append(missionId(i), [benchEvent(i)]);
    latencies.push(performance.now() - started);
  }
  return percentile(latencies, 50);
}

/** Appends 100-event batches until the log holds at least `target` events. */
export async function fillLogTo(http: HttpClient, countEvents: () => Promise<number>, target: number): Promise<void> {
  const missing = target - (await countEvents());
  if (missing > 0) await batchAppends(http, Math.ceil(missing / 100) * 100, 4);
}
