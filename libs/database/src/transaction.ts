import { Pool, PoolClient } from 'pg';

/**
 * BEGIN for a transaction that holds locks others wait for (an append's stream locks and the
 * append lock, a projection step's partition lock), bounded so that a process stalling inside
 * one (paused, its event loop blocked, its network gone) can never stop the others for long:
 * PostgreSQL ends the session of a transaction left idle for 5 s, rolling it back and freeing
 * its locks, cancels a statement after 10 s, and a wait for a lock gives up after 5 s (the
 * waiter fails and is retried, instead of hanging behind the stalled one). Prefix of a
 * simple multi-statement query: the caller's own statements follow it.
 */
export const BEGIN_BOUNDED = `BEGIN; SET LOCAL lock_timeout = '5s'; SET LOCAL statement_timeout = '10s';
  SET LOCAL idle_in_transaction_session_timeout = '5s'`;

/** How many results BEGIN_BOUNDED returns ahead of those of the statements that follow it. */
export const BEGIN_BOUNDED_RESULTS = 4;

/**
 * Runs `work` in one transaction on one pooled connection: committed when it returns,
 * rolled back when it throws, and the connection released either way. `begin` may carry
 * more statements after BEGIN (one round trip); their results are handed to `work`.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient, begun: unknown) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  try {
    const begun = await client.query(begin);
    const result = await work(client, begun);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** A read-only snapshot: every query in `work` sees the same committed state. */
export const inSnapshot = <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> =>
  inTransaction(pool, work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
