// What the machine itself can do, measured in the same run with plain `pg` and plain
// `bullmq`: the yardsticks the scenarios are divided by.
import { Queue, Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { CpuMeter, CpuWindow } from './lib/cpu';
import { percentile, runConcurrently, sleep } from './lib/stats';

/** A baseline's rate and the CPU it cost, measured between its setup and its teardown. */
export interface Measured {
  rate: number;
  cpu: CpuWindow;
}

/**
 * A pool for one baseline. Its idle connections may be ended under it (the benchmark drops
 * its databases when it fails or is interrupted): that must not be an uncaught 'error'.
 */
function baselinePool(databaseUrl: string, max: number): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max });
  pool.on('error', () => undefined);
  return pool;
}

/** A copy of the log's table shape, so raw inserts pay for the same indexes. */
export async function createRawTable(pool: Pool): Promise<void> {
  await pool.query('DROP TABLE IF EXISTS bench_raw_events');
  await pool.query('CREATE TABLE bench_raw_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)');
}

const rawRow = (missionId: string, version: number) => [
  randomUUID(),
  missionId,
  version,
  'ContingentDeparted',
  1,
  '2024-06-24T18:00:00Z',
  JSON.stringify({ country: 'KEN', personnel: 400 }),
  JSON.stringify({ actor: 'bench' }),
];

let rawVersion = 0;

/** One event per autocommit INSERT, `clients` connections. Events/s. */
export async function rawSingleInserts(meter: CpuMeter, databaseUrl: string, clients: number, total: number): Promise<Measured> {
  const pool = baselinePool(databaseUrl, clients);
  try {
    await createRawTable(pool);
    const window = meter.open();
    const started = performance.now();
    await runConcurrently(clients, total, async (i) => {
      await pool.query(
        `INSERT INTO bench_raw_events (id, mission_id, version, type, schema_version, occurred_at, data, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        rawRow(`m-${i % 200}`, ++rawVersion),
      );
    });
    const rate = total / ((performance.now() - started) / 1000);
    return { rate, cpu: window.close(total) };
  } finally {
    await pool.end();
  }
}

/**
 * 100-row multi-row INSERTs from `clients` concurrent callers over at most `connections`
 * connections (16 by default: two cores need no more, and the server's connection slots are
 * shared with every other suite on it). Events/s.
 */
export async function rawBatchedInserts(meter: CpuMeter, databaseUrl: string, clients: number, total: number, batch = 100, connections = Math.min(clients, 16)): Promise<Measured> {
  const pool = baselinePool(databaseUrl, connections);
  try {
    await createRawTable(pool);
    const window = meter.open();
    const started = performance.now();
    await runConcurrently(clients, total / batch, async (b) => {
      const rows = Array.from({ length: batch }, () => rawRow(`m-${b % 200}`, ++rawVersion));
      const column = (k: number) => rows.map((r) => r[k]);
      await pool.query(
        `INSERT INTO bench_raw_events (id, mission_id, version, type, schema_version, occurred_at, data, metadata)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::timestamptz[], $7::jsonb[], $8::jsonb[])`,
        [0, 1, 2, 3, 4, 5, 6, 7].map(column),
      );
    });
    const rate = total / ((performance.now() - started) / 1000);
    return { rate, cpu: window.close(total) };
  } finally {
    await pool.end();
  }
}

/** A paged sequential scan of the real log with full rows, 1000 per page. Events/s. */
export async function rawPagedScan(meter: CpuMeter, databaseUrl: string): Promise<Measured & { events: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let after = 0;
  let events = 0;
  const window = meter.open();
  const started = performance.now();
  for (;;) {
    const { rows } = await client.query(
      'SELECT position, id, mission_id, version, type, schema_version, occurred_at, recorded_at, data, metadata FROM events WHERE position > $1 ORDER BY position LIMIT 1000',
      [after],
    );
    if (rows.length === 0) break;
    events += rows.length;
    after = Number(rows[rows.length - 1].position);
  }
  const rate = events / ((performance.now() - started) / 1000);
  const cpu = window.close(events);
  await client.end();
  return { rate, events, cpu };
}

/**
 * The toy pipeline: insert with pg, enqueue with BullMQ, a worker reads the row back and
 * upserts a counter. Lag = from the insert's acknowledgement to the counter's commit.
 */
export async function toyPipelineLag(meter: CpuMeter, databaseUrl: string, redisUrl: string, prefix: string, ratePerSecond: number, seconds: number) {
  const pool = baselinePool(databaseUrl, 16);
  await createRawTable(pool);
  await pool.query('DROP TABLE IF EXISTS bench_toy_counter');
  await pool.query('CREATE TABLE bench_toy_counter (mission_id text PRIMARY KEY, n int NOT NULL)');
  const connection = { url: redisUrl, maxRetriesPerRequest: null } as never;
  const queue = new Queue('toy', { connection, prefix });
  const acknowledged = new Map<string, number>();
  const lags: number[] = [];
  const worker = new Worker(
    'toy',
    async (job) => {
      const { rows } = await pool.query('SELECT mission_id FROM bench_raw_events WHERE id = $1', [job.data.id]);
      await pool.query(
        'INSERT INTO bench_toy_counter (mission_id, n) VALUES ($1, 1) ON CONFLICT (mission_id) DO UPDATE SET n = bench_toy_counter.n + 1',
        [rows[0].mission_id],
      );
      lags.push(performance.now() - acknowledged.get(job.data.id)!);
    },
    { connection, prefix, concurrency: 4 },
  );
  await worker.waitUntilReady();
  const total = ratePerSecond * seconds;
  const window = meter.open();
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(
      (async () => {
        const row = rawRow(`m-${i % 200}`, ++rawVersion);
        await pool.query(
          `INSERT INTO bench_raw_events (id, mission_id, version, type, schema_version, occurred_at, data, metadata)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          row,
        );
        acknowledged.set(row[0] as string, performance.now());
        await queue.add('count', { id: row[0] }, { removeOnComplete: true });
      })(),
    );
  }
  await Promise.all(inflight);
  while (lags.length < total) await sleep(20);
  const cpu = window.close(total);
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  await pool.end();
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), cpu };
}
