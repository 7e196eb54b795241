import { EVENT_COLUMNS, EventRow, StoredEvent, toStoredEvent } from './stored-event';

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends object = any>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * Events with position > after, in position order. Safe to page with because positions
 * are handed out in commit order (see event-store.ts).
 */
export async function readEventsAfter(db: Queryable, after: number, limit: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`, [
    after,
    limit,
  ]);
  return rows.map(toStoredEvent);
}
