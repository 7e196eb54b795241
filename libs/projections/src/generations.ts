// projection_generations: which generation of each projection reads use (live), which one a
// rebuild is filling (building). projection_checkpoints: how far each generation has got in
// each partition of the log (position), and whether it failed or waits there.
import { BEGIN_BOUNDED, isDatabaseUnavailable } from '@app/database';
import { Queryable } from '@app/event-store';
import { ProjectionName } from './registry';

/** First key of the two-key advisory locks of projection steps ("mt"); the second is 1 + partition. */
export const PROJECTION_LOCK_CLASS = 0x6d74;

/** One generation of one projection in one partition: the unit a step advances. */
export interface Checkpoint {
  name: ProjectionName;
  generation: number;
  state: 'live' | 'building' | 'retired';
  partition: number;
  position: number;
  lastError: string | null;
  /** Set while the log holds an event this code cannot read yet; retried with backoff. */
  waiting: { reason: string; attempts: number; retryAt: Date } | null;
  /** False while a waiting checkpoint's next retry is not due. */
  due: boolean;
  updatedAt: Date;
}

interface CheckpointRow {
  name: ProjectionName;
  generation: number;
  state: Checkpoint['state'];
  partition: number;
  position: number;
  last_error: string | null;
  waiting_reason: string | null;
  waiting_attempts: number;
  retry_at: Date | null;
  due: boolean;
  updated_at: Date;
}

const toCheckpoint = (r: CheckpointRow): Checkpoint => ({
  name: r.name,
  generation: r.generation,
  state: r.state,
  partition: r.partition,
  position: r.position,
  lastError: r.last_error,
  waiting: r.waiting_reason ? { reason: r.waiting_reason, attempts: r.waiting_attempts, retryAt: r.retry_at ?? r.updated_at } : null,
  due: r.due,
  updatedAt: r.updated_at,
});

const CHECKPOINT_COLUMNS = `g.name, g.generation, g.state, c.partition, c.position, c.last_error, c.waiting_reason, c.waiting_attempts,
  c.retry_at, (c.retry_at IS NULL OR c.retry_at <= now()) AS due, c.updated_at`;
const CURRENT = `projection_generations g JOIN projection_checkpoints c ON c.name = g.name AND c.generation = g.generation`;

/** Live and building checkpoints of one projection (or of all), every partition. */
export async function currentCheckpoints(db: Queryable, name?: ProjectionName): Promise<Checkpoint[]> {
  const { rows } = await db.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM ${CURRENT}
     WHERE g.state IN ('live', 'building') AND ($1::text IS NULL OR g.name = $1) ORDER BY g.name, g.generation, c.partition`,
    [name ?? null],
  );
  return rows.map(toCheckpoint);
}

const assertPartition = (partition: number) => {
  if (!Number.isInteger(partition) || partition < 0 || partition > 255) throw new RangeError(`no partition ${partition}`);
};

/**
 * What a step of one partition begins with, in one round trip (a simple-protocol
 * multi-statement query, so the partition is a literal; it is checked to be an integer):
 * BEGIN, take the partition's lock, read the stored count and the partition's live and
 * building checkpoints (see stepCheckpoints).
 *
 * The lock is the hard guarantee: two steps of one partition never run at once, whichever
 * workers think they own it. It is taken before anything is read, and in READ COMMITTED each
 * statement after it sees every step that committed before.
 *
 * Bounded as an append is (BEGIN_BOUNDED): a worker that freezes inside a step (paused, its
 * event loop blocked, its network gone) loses the transaction after 5 s idle, so its lock
 * never stops the worker that takes the partition over; a step waiting for the lock gives up
 * after 5 s and is retried. A frozen step's work is rolled back whole (the server ended its
 * session, or a timeout aborted it and the session ends when it stays idle): when its worker
 * wakes, its COMMIT fails, so nothing of a step that lost its lock is ever written.
 *
 * The step commits without waiting for its WAL flush (synchronous_commit off). Read models
 * are derived data and their checkpoint is in the same transaction: a database crash can
 * only lose the last steps whole, which the runner then applies again from the checkpoint.
 * Exactly-once holds; a projection may step back to an earlier position after such a crash.
 */
export function beginStep(partition: number): string {
  assertPartition(partition);
  return `${BEGIN_BOUNDED}; SET LOCAL synchronous_commit TO off; SELECT pg_advisory_xact_lock(${PROJECTION_LOCK_CLASS}, ${1 + partition});
  SELECT log_partition_count() AS partitions;
  SELECT ${CHECKPOINT_COLUMNS} FROM ${CURRENT}
  WHERE g.state IN ('live', 'building') AND c.partition = ${partition} ORDER BY g.name, g.generation`;
}

/** The stored count and the checkpoints read by beginStep (its last two results). */
export function stepCheckpoints(begun: unknown): { partitions: number; checkpoints: Checkpoint[] } {
  const results = begun as { rows: any[] }[];
  const [counted, checkpoints] = results.slice(-2);
  return { partitions: counted.rows[0].partitions, checkpoints: (checkpoints.rows as CheckpointRow[]).map(toCheckpoint) };
}

/** Takes the step locks of the given partitions (until the transaction ends), in order. */
export async function lockPartitions(db: Queryable, partitions: number[]): Promise<void> {
  for (const partition of [...partitions].sort((a, b) => a - b)) {
    assertPartition(partition);
    await db.query(`SELECT pg_advisory_xact_lock(${PROJECTION_LOCK_CLASS}, ${1 + partition})`);
  }
}

/**
 * The live generation of a projection as one mission's read sees it: the checkpoint of the
 * mission's partition, computed in SQL from the stored count (so a read never uses another).
 */
export async function liveCheckpoint(db: Queryable, name: ProjectionName, missionId: string): Promise<{ generation: number; partition: number; position: number }> {
  const { rows } = await db.query<{ generation: number; partition: number; position: number }>(
    `SELECT g.generation, c.partition, c.position FROM ${CURRENT}
     WHERE g.name = $1 AND g.state = 'live' AND c.partition = log_partition_of($2, log_partition_count())`,
    [name, missionId],
  );
  if (!rows[0]) throw new Error(`projection ${name} has no live generation`);
  return rows[0];
}

/** The live checkpoint of one partition (what a minPosition waiter polls). */
export async function livePartitionPosition(db: Queryable, name: ProjectionName, partition: number): Promise<number> {
  const { rows } = await db.query<{ position: number }>(
    `SELECT c.position FROM ${CURRENT} WHERE g.name = $1 AND g.state = 'live' AND c.partition = $2`,
    [name, partition],
  );
  if (!rows[0]) throw new Error(`projection ${name} has no live checkpoint for partition ${partition}`);
  return rows[0].position;
}

/** The live checkpoint of every partition. */
export async function livePositions(db: Queryable, name: ProjectionName): Promise<Map<number, number>> {
  const { rows } = await db.query<{ partition: number; position: number }>(
    `SELECT c.partition, c.position FROM ${CURRENT} WHERE g.name = $1 AND g.state = 'live' ORDER BY c.partition`,
    [name],
  );
  return new Map(rows.map((row) => [row.partition, row.position]));
}

/** The generation reads of every mission use, with the lowest position over its partitions. */
export async function liveGeneration(db: Queryable, name: ProjectionName): Promise<{ generation: number; position: number }> {
  const { rows } = await db.query<{ generation: number; position: number }>(
    `SELECT g.generation, min(c.position) AS position FROM ${CURRENT} WHERE g.name = $1 AND g.state = 'live' GROUP BY g.generation`,
    [name],
  );
  if (!rows[0]) throw new Error(`projection ${name} has no live generation`);
  return rows[0];
}

/**
 * Locks a projection's live and building generation rows (FOR UPDATE, until the transaction
 * ends): what a switch-over and a rebuild request take, so that two of them never interleave.
 * (Retired rows are left to the purge, which deletes them.)
 */
export async function lockGenerations(db: Queryable, name?: ProjectionName): Promise<void> {
  await db.query(
    `SELECT 1 FROM projection_generations WHERE state IN ('live', 'building') AND ($1::text IS NULL OR name = $1) ORDER BY name, generation FOR UPDATE`,
    [name ?? null],
  );
}

/**
 * Replaces every checkpoint of the live and building generations by one per partition at
 * `position` (retired generations lose theirs: they are only waiting to be purged). For a
 * change of the count, inside the transaction that makes it.
 */
export async function resetCheckpoints(db: Queryable, partitions: number, position: number): Promise<void> {
  await db.query(`DELETE FROM projection_checkpoints`);
  await db.query(
    `INSERT INTO projection_checkpoints (name, generation, partition, position)
     SELECT g.name, g.generation, p, $2 FROM projection_generations g, generate_series(0, $1 - 1) AS p
     WHERE g.state IN ('live', 'building')`,
    [partitions, position],
  );
}

/** Errors worth retrying (connection trouble, deadlock, lock, statement or idle-in-transaction timeouts). */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return isDatabaseUnavailable(error) || ['40001', '40P01', '55P03', '57014', '25P03', '53300'].includes(code ?? '');
}
