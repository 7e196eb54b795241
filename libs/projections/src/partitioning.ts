// The count of partitions the projections are folded in: checked at start-up against
// PROJECTION_PARTITIONS, and changed only by a re-partition (npm run db:repartition), which
// files every event and every checkpoint under the new count in one transaction.
import { Pool } from 'pg';
import { ConfigError } from '@app/config';
import { inTransaction } from '@app/database';
import { chooseLogPartitions, EventLogReader, lockAppends, logIsEmpty, repartitionLog, storedPartitioning, storedPartitions, tidyAfterRepartition } from '@app/event-store';
import { Checkpoint, currentCheckpoints, lockGenerations, lockPartitions, resetCheckpoints } from './generations';
import { liveWorkers } from './partition-ownership';
import { ProjectionRunner } from './projection-runner';

export const REPARTITION_COMMAND = 'npm run db:repartition';

/**
 * The count to run with. PROJECTION_PARTITIONS unset: the stored one. Set: the first process
 * started with it chooses the count (on a log with no events it is simply set), and a chosen
 * count sticks; set and different from the stored count otherwise: a ConfigError of one line.
 * The choice is made under the append lock, so of two processes starting at once with
 * different counts the first runs and the other is refused (it must not re-file the log under
 * the first, which runs with its count).
 */
export async function checkPartitions(pool: Pool, wanted: number | undefined): Promise<number> {
  const stored = await storedPartitioning(pool);
  if (wanted === undefined) return stored.partitions;
  if (stored.chosen && wanted === stored.partitions) return wanted;
  const outcome = await inTransaction(pool, async (client) => {
    await lockAppends(client);
    await lockGenerations(client);
    const now = await storedPartitioning(client);
    if (now.partitions !== wanted) {
      if (now.chosen || !(await logIsEmpty(client))) return now.partitions;
      await repartitionLog(client, wanted);
      await resetCheckpoints(client, wanted, 0);
    }
    await chooseLogPartitions(client);
    return wanted;
  });
  if (outcome === wanted) return wanted;
  throw new ConfigError(
    `PROJECTION_PARTITIONS=${wanted}, but the projections of this database are folded in ${outcome} partition${outcome === 1 ? '' : 's'}: ` +
      `unset it (or set ${outcome}) to run as they are, or change the count with "PROJECTION_PARTITIONS=${wanted} ${REPARTITION_COMMAND}" (docs/scaling.md#partitions).`,
  );
}

/** Start-up check of the API and the worker (checkPartitions on a connection of its own). */
export async function checkPartitionsAt(databaseUrl: string, wanted: number | undefined): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // a dropped connection fails the query in flight instead of the process
  try {
    return await checkPartitions(pool, wanted);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

export class RepartitionRefusedError extends Error {}

export interface RepartitionResult {
  from: number;
  to: number;
  /** Events filed under another partition. */
  moved: number;
  /** The log head at the switch: every checkpoint starts there. */
  head: number;
  /** Events of the log the catch-up before it folded (into every generation that lagged). */
  caughtUp: number;
}

export interface RepartitionOptions {
  batchSize?: number;
  /** Catch-up progress: folds done so far of those there were to do (an event counts once per generation that lagged). */
  onProgress?(folded: number, total: number): void;
  /** How many times to catch up again when appends arrived between the catch-up and the switch. */
  attempts?: number;
}

/**
 * Changes the count: with no worker running, catches every live and building generation up
 * to the head under the old count (in this process), then in one transaction under the
 * append lock (and every partition's step lock) sets the new count, files every event under
 * it and replaces each generation's checkpoints by one per partition at the head. Refused
 * while a worker's heartbeat is live, or when a generation failed (rebuild it first) or
 * waits for an event this release cannot read.
 */
export async function repartition(pool: Pool, partitions: number, options: RepartitionOptions = {}): Promise<RepartitionResult> {
  const from = await storedPartitions(pool);
  if (from === partitions) return { from, to: partitions, moved: 0, head: await new EventLogReader(pool).headPosition(), caughtUp: 0 };
  const workers = await liveWorkers(pool);
  if (workers.length > 0) {
    throw new RepartitionRefusedError(
      `${workers.length} worker${workers.length === 1 ? ' is' : 's are'} running (${workers.map((w) => w.workerId).join(', ')}): stop every worker first (a heartbeat counts for 10 s)`,
    );
  }
  const runner = new ProjectionRunner(pool, options.batchSize);
  let caughtUp = 0;
  for (let attempt = 0; attempt < (options.attempts ?? 10); attempt++) {
    caughtUp += await catchUpEverything(pool, runner, from, options.onProgress);
    const done = await inTransaction(pool, async (client) => {
      await lockPartitions(client, range(Math.max(from, partitions)));
      await lockAppends(client);
      await lockGenerations(client);
      if ((await storedPartitions(client)) !== from) throw new RepartitionRefusedError('the partition count changed meanwhile (another re-partition?): run it again');
      const checkpoints = await currentCheckpoints(client);
      assertRepartitionable(checkpoints);
      const log = new EventLogReader(client);
      const head = await log.headPosition();
      const lags = await log.partitionLags(checkpoints, head, from);
      if (lags.some((lag) => lag.events > 0)) return null; // appended meanwhile: catch up again
      const moved = await repartitionLog(client, partitions);
      await resetCheckpoints(client, partitions, head);
      return { from, to: partitions, moved, head, caughtUp };
    });
    if (done) {
      await tidyAfterRepartition(pool);
      return done;
    }
  }
  throw new RepartitionRefusedError('events kept arriving faster than the catch-up before the switch: pause the writers and run it again');
}

/** Steps every partition until each generation is at the head; returns the events of the log that lagged. */
async function catchUpEverything(pool: Pool, runner: ProjectionRunner, partitions: number, onProgress?: RepartitionOptions['onProgress']): Promise<number> {
  const checkpoints = await currentCheckpoints(pool);
  assertRepartitionable(checkpoints);
  const log = new EventLogReader(pool);
  const lags = await log.partitionLags(checkpoints, await log.headPosition(), partitions);
  const total = lags.reduce((sum, lag) => sum + lag.events, 0);
  // Distinct events: per partition, the lag of its furthest-behind generation.
  const behind = new Map<number, number>();
  checkpoints.forEach((c, i) => behind.set(c.partition, Math.max(behind.get(c.partition) ?? 0, lags[i].events)));
  let applied = 0;
  onProgress?.(0, total);
  for (let partition = 0; partition < partitions; partition++) {
    for (;;) {
      const step = await runner.step(partition);
      applied += step.applied;
      onProgress?.(Math.min(applied, total), Math.max(total, applied));
      const failed = step.failed[0];
      if (failed) throw new RepartitionRefusedError(`projection ${failed.name} failed in partition ${failed.partition}: ${failed.error}; fix it and rebuild it first`);
      const waiting = step.waiting?.[0];
      if (waiting) throw new RepartitionRefusedError(`projection ${waiting.name} cannot go on in partition ${waiting.partition}: ${waiting.reason}`);
      if (!step.fullBatch) break;
    }
  }
  return [...behind.values()].reduce((sum, n) => sum + n, 0);
}

function assertRepartitionable(checkpoints: Checkpoint[]): void {
  const failed = checkpoints.find((c) => c.lastError);
  if (failed) {
    throw new RepartitionRefusedError(
      `projection ${failed.name} (generation ${failed.generation}, ${failed.state}) failed in partition ${failed.partition}: ${failed.lastError}. ` +
        `Rebuild it first (POST /v1/projections/${failed.name}/rebuild, with the workers running) and let the rebuild finish`,
    );
  }
  const waiting = checkpoints.find((c) => c.waiting);
  if (waiting) throw new RepartitionRefusedError(`projection ${waiting.name} waits in partition ${waiting.partition}: ${waiting.waiting!.reason}`);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
