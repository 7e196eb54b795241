import { Pool, PoolClient } from 'pg';

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
