// How many partitions the log's missions are hashed into (log_partitioning, one row), and
// the re-partition of the log. Each event stores its partition, computed at append from the
// stored count (append-transaction.ts), so that a projection reads one partition's events
// through an index. The count changes only under the append lock, with every event's
// partition recomputed in the same transaction: no event is ever filed under another count.
import { APPEND_LOCK } from './append-transaction';
import { Queryable } from './event-log-reader';

/** The count the log is partitioned by (1 on a new database). */
export async function storedPartitions(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ partitions: number }>('SELECT partitions FROM log_partitioning');
  if (!rows[0]) throw new Error('log_partitioning has no row: the database is not migrated');
  return rows[0].partitions;
}

/**
 * The stored count and whether it was chosen (see chooseLogPartitions): a chosen count sticks
 * until a re-partition.
 */
export async function storedPartitioning(db: Queryable): Promise<{ partitions: number; chosen: boolean }> {
  const { rows } = await db.query<{ partitions: number; chosen: boolean }>('SELECT partitions, chosen_at IS NOT NULL AS chosen FROM log_partitioning');
  if (!rows[0]) throw new Error('log_partitioning has no row: the database is not migrated');
  return rows[0];
}

/**
 * Records that the stored count was chosen (by a process started with it): from now on it
 * sticks. Runs in the caller's transaction, which holds the append lock (lockAppends).
 */
export async function chooseLogPartitions(client: Queryable): Promise<void> {
  await client.query('UPDATE log_partitioning SET chosen_at = now() WHERE chosen_at IS NULL');
}

/**
 * Blocks appends until the caller's transaction ends: the positions and partitions of the
 * log stay as they are while it looks at them and changes them.
 */
export async function lockAppends(client: Queryable): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
}

/**
 * Sets the count and files every event under it. Runs in the caller's transaction, which
 * must hold the append lock (lockAppends). Rewrites the partition of every event (a full
 * pass over the log: appends wait meanwhile). Returns the number of events moved.
 */
export async function repartitionLog(client: Queryable, partitions: number): Promise<number> {
  await client.query('UPDATE log_partitioning SET partitions = $1, updated_at = now(), chosen_at = now()', [partitions]);
  const { rowCount } = await client.query(
    'UPDATE events SET partition = log_partition_of(mission_id, $1) WHERE partition IS DISTINCT FROM log_partition_of(mission_id, $1)',
    [partitions],
  );
  return rowCount ?? 0;
}

/** True when the log holds no event (then the count may simply be set). */
export async function logIsEmpty(db: Queryable): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM events LIMIT 1');
  return !rowCount;
}

/**
 * After a re-partition (outside its transaction): the old index entries of every moved event
 * go, and the planner learns the new spread, so a partition read uses the index again.
 */
export async function tidyAfterRepartition(db: Queryable): Promise<void> {
  await db.query('VACUUM (ANALYZE) events');
}
