// The PostgreSQL event log.
//
// Ordering: every append takes one transaction-scoped advisory lock (APPEND_LOCK) just
// before it inserts, and keeps it until its commit is visible. Positions are therefore
// handed out in commit order, so a reader that pages `position > after` can never skip an
// event that commits late (the bug Emmett solves with xid8 snapshots and Marten with gap
// detection). Only the insert and the commit run under that lock; validation, the
// idempotency check, the stream's row lock and the domain decision happen before it.
import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { AppendCommand, CURRENT_SCHEMA_VERSION, decide, DomainError, MissionStreamState, NEW_STREAM } from '@app/domain';
import { IdempotencyKeyReusedError } from './append-errors';
import { readEventsAfter } from './read-events';
import { EVENT_COLUMNS, EventRow, StoredEvent, toStoredEvent } from './stored-event';

/** Key of the advisory lock that serialises the insert+commit of appends ("mtlog"). */
export const APPEND_LOCK = 0x6d746c6f67;

export interface AppendContext {
  /** The API key's name, recorded as metadata.actor. */
  actor: string;
  /** Scope of idempotency keys: the API key's id. */
  principal: string;
  idempotency?: { key: string; requestHash: string };
}

export interface AppendResult {
  missionId: string;
  streamVersion: number;
  events: { id: string; version: number; position: number }[];
}

export interface AppendOutcome {
  result: AppendResult;
  /** True when an earlier answer was returned for a retried Idempotency-Key. */
  replayed: boolean;
}

export interface StreamPage {
  missionId: string;
  events: StoredEvent[];
  nextVersion: number | null;
}

export interface GlobalPage {
  events: StoredEvent[];
  next: number;
}

const UNIQUE_VIOLATION = '23505';

export class EventStore {
  constructor(private readonly pool: Pool) {}

  async append(missionId: string, command: AppendCommand, context: AppendContext): Promise<AppendOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (context.idempotency) {
        const earlier = await this.claimIdempotencyKey(client, context.principal, context.idempotency);
        if (earlier) {
          await client.query('ROLLBACK');
          return { result: earlier, replayed: true };
        }
      }
      const stream = await this.lockStream(client, missionId);
      if (command.expectedVersion !== undefined && command.expectedVersion !== stream.state.version) {
        throw new DomainError(
          'version-conflict',
          `expected version ${command.expectedVersion}, but the stream is at version ${stream.state.version}`,
          { currentVersion: stream.state.version },
        );
      }
      const next = decide(stream.state, command.events);
      await this.saveStream(client, missionId, next, stream.exists);
      const events = await this.insertEvents(client, missionId, stream.state.version, command, context.actor);
      const result: AppendResult = { missionId, streamVersion: next.version, events };
      if (context.idempotency) {
        await client.query('UPDATE idempotency_keys SET response = $3 WHERE principal = $1 AND key = $2', [
          context.principal,
          context.idempotency.key,
          result,
        ]);
      }
      await client.query('COMMIT');
      return { result, replayed: false };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: string }).code === UNIQUE_VIOLATION && (error as { constraint?: string }).constraint === 'streams_pkey') {
        // Another append created this mission between our read and our insert.
        const currentVersion = await this.streamVersion(missionId);
        throw new DomainError('mission-already-established', 'the mission was established by a concurrent append', { currentVersion });
      }
      throw error;
    } finally {
      client.release();
    }
  }

  /** The stream's version, or 0 when the mission does not exist. */
  async streamVersion(missionId: string): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>('SELECT version FROM streams WHERE mission_id = $1', [missionId]);
    return rows[0]?.version ?? 0;
  }

  /** A page of one mission's events, or null when the mission does not exist. */
  async readStream(missionId: string, fromVersion: number, limit: number): Promise<StreamPage | null> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE mission_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
      [missionId, fromVersion, limit + 1],
    );
    if (rows.length === 0 && (await this.streamVersion(missionId)) === 0) return null;
    const page = rows.slice(0, limit).map(toStoredEvent);
    const nextVersion = rows.length > limit ? page[page.length - 1].version + 1 : null;
    return { missionId, events: page, nextVersion };
  }

  /** The global feed: events with position > after, in position (= commit) order. */
  async readAll(after: number, limit: number): Promise<GlobalPage> {
    const events = await readEventsAfter(this.pool, after, limit);
    return { events, next: events.length > 0 ? events[events.length - 1].position : after };
  }

  /** The highest committed position (0 for an empty log). */
  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ head: number | null }>('SELECT max(position) AS head FROM events');
    return rows[0].head ?? 0;
  }

  /**
   * Claims the key for this transaction, or returns the first answer given for it. A
   * concurrent request with the same key waits here on the unique index until the first
   * commits (then sees its answer) or rolls back (then proceeds itself).
   */
  private async claimIdempotencyKey(
    client: PoolClient,
    principal: string,
    idempotency: { key: string; requestHash: string },
  ): Promise<AppendResult | null> {
    const claimed = await client.query(
      `INSERT INTO idempotency_keys (principal, key, request_hash, response) VALUES ($1, $2, $3, 'null')
       ON CONFLICT DO NOTHING`,
      [principal, idempotency.key, idempotency.requestHash],
    );
    if (claimed.rowCount === 1) return null;
    const { rows } = await client.query<{ request_hash: string; response: AppendResult }>(
      'SELECT request_hash, response FROM idempotency_keys WHERE principal = $1 AND key = $2',
      [principal, idempotency.key],
    );
    if (rows[0].request_hash !== idempotency.requestHash) throw new IdempotencyKeyReusedError();
    return rows[0].response;
  }

  private async lockStream(client: PoolClient, missionId: string): Promise<{ state: MissionStreamState; exists: boolean }> {
    const { rows } = await client.query<{ version: number; state: MissionStreamState['personnel'] }>(
      'SELECT version, state FROM streams WHERE mission_id = $1 FOR UPDATE',
      [missionId],
    );
    if (rows.length === 0) return { state: NEW_STREAM, exists: false };
    return { state: { version: rows[0].version, personnel: rows[0].state }, exists: true };
  }

  private async saveStream(client: PoolClient, missionId: string, state: MissionStreamState, exists: boolean): Promise<void> {
    if (exists) {
      await client.query('UPDATE streams SET version = $2, state = $3, updated_at = now() WHERE mission_id = $1', [
        missionId,
        state.version,
        state.personnel,
      ]);
    } else {
      await client.query('INSERT INTO streams (mission_id, version, state) VALUES ($1, $2, $3)', [
        missionId,
        state.version,
        state.personnel,
      ]);
    }
  }

  private async insertEvents(
    client: PoolClient,
    missionId: string,
    fromVersion: number,
    command: AppendCommand,
    actor: string,
  ): Promise<AppendResult['events']> {
    const ids = command.events.map(() => randomUUID());
    const versions = command.events.map((_, index) => fromVersion + index + 1);
    // The lock is taken in the same statement, before any row draws its position.
    const { rows } = await client.query<{ id: string; version: number; position: number }>(
      `WITH append_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($1))
       INSERT INTO events (id, mission_id, version, type, schema_version, occurred_at, data, metadata)
       SELECT e.id, $2, e.version, e.type, $3, e.occurred_at, e.data, e.metadata
       FROM append_lock, unnest($4::uuid[], $5::int[], $6::text[], $7::timestamptz[], $8::jsonb[], $9::jsonb[])
         AS e(id, version, type, occurred_at, data, metadata)
       ORDER BY e.version
       RETURNING id, version, position`,
      [
        APPEND_LOCK,
        missionId,
        CURRENT_SCHEMA_VERSION,
        ids,
        versions,
        command.events.map((event) => event.type),
        command.events.map((event) => event.occurredAt.toISOString()),
        command.events.map((event) => JSON.stringify(event.data)),
        command.events.map((event) => JSON.stringify({ ...event.metadata, actor })),
      ],
    );
    return rows.sort((a, b) => a.version - b.version);
  }
}
