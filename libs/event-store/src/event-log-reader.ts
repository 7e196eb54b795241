// Reads of the log on a connection the caller holds: inside the caller's transaction or
// snapshot, so that what they read of the log agrees with their other reads (a read model's
// generations, a projection's checkpoint). The SQL of `events` and `streams` stays here.
import { prepared, PreparedStatement } from '@app/database';
import { CORRECTION_TYPES, CorrectionIndex, EventStatus, RecordedEvent, Source, sourceSchema, UnreadableEventError, upcast } from '@app/domain';
import { EVENT_COLUMNS, EventRow, isoColumn, StoredEvent, toStoredEvent } from './stored-event';

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends object = any>(text: string | PreparedStatement, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** An event this release cannot read yet (written by a newer one): readers stop there. */
export interface UnreadableAt {
  position: number;
  reason: string;
}

export interface RecordedPage {
  /** The events read, in order, up to (not including) the first one this code cannot read. */
  events: RecordedEvent[];
  /** That event, when there is one: the reader must wait for code that can read it. */
  unreadable?: UnreadableAt;
  /** Rows the query returned (a full page means there may be more). */
  rows: number;
  /**
   * Of a partition's page that was not full: the head of the log as the read saw it. No
   * event of the partition lies between the last one read and this position, so a reader
   * may count itself there (positions follow commit order: nothing can commit below it).
   */
  seenThrough?: number;
}

/** One partition of a log hashed into `partitions` (see log-partitioning.ts). */
export interface PartitionOf {
  partition: number;
  partitions: number;
}

/** What lag measures: events after a position and the age in seconds of the first of them. */
export interface LogLag {
  events: number;
  seconds: number;
}

/**
 * Rows a mission fold reads at a time through its cursor, yielding to other work in between.
 * Small, because every other request of the process waits behind a chunk's parse and fold:
 * with two replays of a 40,000-event mission running back to back, appends of another key took
 * p50 118-161 ms at 2,000 rows and 67-79 ms at 500 (quiet: 10-30 ms), for the same replay rate.
 */
const FOLD_CHUNK = 500;
/** Beyond this many events of lag, the lag is the distance to the head (positions have few holes). */
const EXACT_LAG_LIMIT = 100_000;

/** What a fold reads of an event: no metadata but its source (parsing the rest would cost most of the read). */
type FoldRow = Pick<EventRow, 'position' | 'id' | 'mission_id' | 'version' | 'type' | 'schema_version' | 'occurred_at' | 'data'> & { source: Source | null };
const FOLD_COLUMNS = `position, id, mission_id, version, type, schema_version, ${isoColumn('occurred_at')}, data, metadata->'source' AS source`;

/** An event of the effective stream (see @app/domain effective-stream.ts). */
export type EffectiveEvent = RecordedEvent & { status: Exclude<EventStatus, 'retracted'> };

/** Which of a mission's events a view reads: by when they happened (`asOf`), by when the log knew them (`knownAt`). */
export interface MissionView {
  /** Events whose occurredAt is on or before this instant. */
  upTo?: Date;
  /** Events (corrections included) recorded on or before this instant. */
  knownAt?: Date;
}

function toRecordedEvent(row: FoldRow): RecordedEvent {
  const event = upcast(row.type, row.schema_version, row.data);
  const recorded = { type: event.type, data: event.data, id: row.id, missionId: row.mission_id, version: row.version, position: row.position, occurredAt: row.occurred_at } as RecordedEvent;
  // Events appended before sources were checked may hold another `metadata.source`: only a
  // source of the contract's shape is shown as one.
  if (row.source !== null && sourceSchema.safeParse(row.source).success) recorded.source = row.source;
  return recorded;
}

export class EventLogReader {
  constructor(private readonly db: Queryable) {}

  /** The position of the last event (0 for an empty log). */
  async headPosition(): Promise<number> {
    const { rows } = await this.db.query<{ head: number | null }>('SELECT max(position) AS head FROM events');
    return rows[0].head ?? 0;
  }

  async missionExists(missionId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('SELECT 1 FROM streams WHERE mission_id = $1', [missionId]);
    return !!rowCount;
  }

  /** The stream's version, or 0 when the mission does not exist. */
  async streamVersion(missionId: string): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>('SELECT version FROM streams WHERE mission_id = $1', [missionId]);
    return rows[0]?.version ?? 0;
  }

  /** Up to `limit` of one mission's events from `fromVersion` on, in version order. */
  async streamEvents(missionId: string, fromVersion: number, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE mission_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
      [missionId, fromVersion, limit],
    );
    return rows.map(toStoredEvent);
  }

  /**
   * Events with position > after, in position order. Safe to page with because positions
   * are handed out in commit order (see append-transaction.ts).
   */
  async eventsAfter(after: number, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`, [
      after,
      limit,
    ]);
    return rows.map(toStoredEvent);
  }

  /**
   * The same page with only what a fold needs (no id, metadata or recordedAt): what the
   * projection runner reads, where parsing unused JSON would be most of the cost. With a
   * partition of several, only that partition's events, found through the index on
   * (partition, position); with one, the plain position order.
   */
  async recordedEventsAfter(after: number, limit: number, partition?: PartitionOf): Promise<RecordedPage> {
    type Row = FoldRow & { head?: number | null };
    const columns = FOLD_COLUMNS;
    const partitioned = partition !== undefined && partition.partitions > 1;
    // The head in the same statement (one snapshot): at least one row comes back, with
    // nulls for the event columns when the partition has nothing after `after`.
    const { rows: fetched } = partitioned
      ? await this.db.query<Row>(
          prepared(`SELECT h.head, e.* FROM (SELECT max(position) AS head FROM events) h
           LEFT JOIN LATERAL (SELECT ${columns} FROM events WHERE partition = $3 AND position > $1 ORDER BY position LIMIT $2) e ON true
           ORDER BY e.position`),
          [after, limit, partition.partition],
        )
      : await this.db.query<Row>(prepared(`SELECT ${columns} FROM events WHERE position > $1 ORDER BY position LIMIT $2`), [after, limit]);
    const head = partitioned ? (fetched[0]?.head ?? 0) : undefined;
    const rows = partitioned ? fetched.filter((row) => row.position !== null) : fetched;
    const events: RecordedEvent[] = [];
    for (const row of rows) {
      try {
        events.push(toRecordedEvent(row));
      } catch (error) {
        if (!(error instanceof UnreadableEventError)) throw error;
        return { events, unreadable: { position: row.position, reason: error.message }, rows: rows.length };
      }
    }
    return head !== undefined && rows.length < limit ? { events, rows: rows.length, seenThrough: head } : { events, rows: rows.length };
  }

  /**
   * Folds the mission's effective stream (corrections applied, see @app/domain) as a view
   * sees it, keeping only events of the given types, in version order. The corrections are
   * read first (they are few); then the events, a chunk at a time through a server-side
   * cursor (constant memory for any mission), yielding to the event loop between chunks.
   * Must run inside a transaction (the cursor lives in it). Stops at an event this release
   * cannot read, and says which.
   */
  async foldMission<S>(
    missionId: string,
    view: MissionView,
    types: ReadonlySet<string>,
    initial: S,
    evolve: (state: S, event: EffectiveEvent) => S,
  ): Promise<{ state: S; unreadable?: UnreadableAt }> {
    const knownAt = view.knownAt ?? null;
    const { rows: correctionRows } = await this.db.query<FoldRow>(
      `SELECT ${FOLD_COLUMNS} FROM events WHERE mission_id = $1 AND type = ANY($2) AND ($3::timestamptz IS NULL OR recorded_at <= $3) ORDER BY version`,
      [missionId, [...CORRECTION_TYPES], knownAt],
    );
    const corrections = new CorrectionIndex();
    for (const row of correctionRows) {
      try {
        corrections.add(toRecordedEvent(row));
      } catch (error) {
        if (!(error instanceof UnreadableEventError)) throw error;
        return { state: initial, unreadable: { position: row.position, reason: error.message } };
      }
    }
    await this.db.query(
      `DECLARE mission_fold NO SCROLL CURSOR FOR
       SELECT ${FOLD_COLUMNS} FROM events
       WHERE mission_id = $1 AND ($2::timestamptz IS NULL OR occurred_at <= $2) AND ($3::timestamptz IS NULL OR recorded_at <= $3)
         AND type = ANY($4) ORDER BY version`,
      [missionId, view.upTo ?? null, knownAt, [...types].filter((type) => !CORRECTION_TYPES.has(type as never))],
    );
    let state = initial;
    let unreadable: UnreadableAt | undefined;
    for (;;) {
      const { rows } = await this.db.query<FoldRow>(`FETCH ${FOLD_CHUNK} FROM mission_fold`);
      for (const row of rows) {
        let event: RecordedEvent;
        try {
          event = toRecordedEvent(row);
        } catch (error) {
          if (!(error instanceof UnreadableEventError)) throw error;
          unreadable = { position: row.position, reason: error.message };
          break;
        }
        const effective = corrections.apply(event);
        if (effective) state = evolve(state, effective);
      }
      if (unreadable || rows.length < FOLD_CHUNK) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.db.query('CLOSE mission_fold');
    return unreadable ? { state, unreadable } : { state };
  }

  /**
   * The mission's whole log up to a position, in version order, as folds read it: what a
   * projection refolds when a correction changes the mission's past. Throws
   * UnreadableEventError at an event this release cannot read.
   */
  async missionLog(missionId: string, throughPosition: number): Promise<RecordedEvent[]> {
    const { rows } = await this.db.query<FoldRow>(
      prepared(`SELECT ${FOLD_COLUMNS} FROM events WHERE mission_id = $1 AND position <= $2 ORDER BY version`),
      [missionId, throughPosition],
    );
    return rows.map(toRecordedEvent);
  }

  /**
   * How far behind each of several partition readers is (one statement): the events of its
   * partition after its position, counted up to EXACT_LAG_LIMIT (beyond that, estimated as
   * its share of the distance to the head), and the age of the first of them.
   */
  async partitionLags(readers: { partition: number; position: number }[], head: number, partitions: number): Promise<LogLag[]> {
    if (readers.length === 0) return [];
    const { rows } = await this.db.query<{ events: number; seconds: number | null }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM events e WHERE e.partition = u.partition AND e.position > u.position LIMIT ${EXACT_LAG_LIMIT + 1}) x) AS events,
              extract(epoch FROM now() - (SELECT recorded_at FROM events e WHERE e.partition = u.partition AND e.position > u.position ORDER BY e.position LIMIT 1))::float8 AS seconds
       FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS u(partition, position, n) ORDER BY u.n`,
      [readers.map((r) => r.partition), readers.map((r) => r.position)],
    );
    return rows.map((row, i) => {
      const events = Number(row.events) > EXACT_LAG_LIMIT ? Math.round(Math.max(0, head - readers[i].position) / partitions) : Number(row.events);
      return { events, seconds: events === 0 ? 0 : Math.max(0, Math.round((row.seconds ?? 0) * 1000) / 1000) };
    });
  }

  /**
   * How far behind `head` a reader at `position` is: the events after it (counted up to
   * EXACT_LAG_LIMIT, beyond that the distance in positions) and the age of the first of them.
   */
  async lagAfter(position: number, head: number): Promise<LogLag> {
    if (position >= head) return { events: 0, seconds: 0 };
    const { rows } = await this.db.query<{ events: number; seconds: number | null }>(
      `SELECT CASE WHEN $2::bigint - $1 > ${EXACT_LAG_LIMIT} THEN $2::bigint - $1
                   ELSE (SELECT count(*) FROM events WHERE position > $1) END AS events,
              extract(epoch FROM now() - (SELECT recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT 1))::float8 AS seconds`,
      [position, head],
    );
    return { events: Number(rows[0].events), seconds: Math.max(0, Math.round((rows[0].seconds ?? 0) * 1000) / 1000) };
  }
}
