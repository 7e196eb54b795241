// The stored event envelope (CONTRACT section 3) and its mapping from a database row.
import { RecordedEvent, UnreadableEventError, upcast } from '@app/domain';

/** `metadata.source` is inside `metadata` here (a fold reads it on its own). */
export type StoredEvent = WithoutSource<RecordedEvent> & {
  id: string;
  schemaVersion: number;
  recordedAt: string;
  metadata: Record<string, unknown>;
};

/** Omit, kept apart for each member of the union (a plain Omit would merge them). */
type WithoutSource<T> = T extends unknown ? Omit<T, 'source'> : never;

export interface EventRow {
  position: number;
  id: string;
  mission_id: string;
  version: number;
  type: string;
  schema_version: number;
  /** ISO 8601 text, formatted by PostgreSQL (cheaper than parsing to Date and back). */
  occurred_at: string;
  recorded_at: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export const isoColumn = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

export const EVENT_COLUMNS = `position, id, mission_id, version, type, schema_version, ${isoColumn('occurred_at')}, ${isoColumn('recorded_at')}, data, metadata`;

/**
 * Rows are upcast to the current schema on read; the log itself is never rewritten. An event
 * this code cannot read yet (written by a newer release) is returned as stored: its
 * `schemaVersion` tells the client what it is. (Folds read through EventLogReader.recordedEventsAfter,
 * which stops at such an event instead.)
 */
export function toStoredEvent(row: EventRow): StoredEvent {
  let event: { type: string; data: unknown };
  try {
    event = upcast(row.type, row.schema_version, row.data);
  } catch (error) {
    if (!(error instanceof UnreadableEventError)) throw error;
    event = { type: row.type, data: row.data };
  }
  return {
    id: row.id,
    missionId: row.mission_id,
    version: row.version,
    position: row.position,
    type: event.type,
    schemaVersion: row.schema_version,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    data: event.data,
    metadata: row.metadata,
  } as StoredEvent;
}
