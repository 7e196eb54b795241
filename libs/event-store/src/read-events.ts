import { RecordedEvent, UnreadableEventError, upcast } from '@app/domain';
import { EVENT_COLUMNS, EventRow, isoColumn, StoredEvent, toStoredEvent } from './stored-event';

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

export interface RecordedPage {
  /** The events read, in order, up to (not including) the first one this code cannot read. */
  events: RecordedEvent[];
  /** That event, when there is one: the reader must wait for code that can read it. */
  unreadable?: { position: number; reason: string };
  /** Rows the query returned (a full page means there may be more). */
  rows: number;
}

/**
 * The same page with only what a fold needs (no id, metadata or recordedAt): what the
 * projection runner reads, where parsing unused JSON would be most of the cost.
 */
export async function readRecordedEventsAfter(db: Queryable, after: number, limit: number): Promise<RecordedPage> {
  const { rows } = await db.query<Pick<EventRow, 'position' | 'mission_id' | 'version' | 'type' | 'schema_version' | 'occurred_at' | 'data'>>(
    `SELECT position, mission_id, version, type, schema_version,
            ${isoColumn('occurred_at')}, data
     FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
    [after, limit],
  );
  const events: RecordedEvent[] = [];
  for (const row of rows) {
    let event;
    try {
      event = upcast(row.type, row.schema_version, row.data);
    } catch (error) {
      if (!(error instanceof UnreadableEventError)) throw error;
      return { events, unreadable: { position: row.position, reason: error.message }, rows: rows.length };
    }
    events.push({ type: event.type, data: event.data, missionId: row.mission_id, version: row.version, position: row.position, occurredAt: row.occurred_at } as RecordedEvent);
  }
  return { events, rows: rows.length };
}
