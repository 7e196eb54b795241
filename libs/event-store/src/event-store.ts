// The PostgreSQL event log: appends (through the group-commit batcher, see
// append-transaction.ts for how order and the domain rules are kept) and reads.
import { Pool } from 'pg';
import { AppendCommand } from '@app/domain';
import { AppendBatcher } from './append-batcher';
import { AppendContext, AppendOutcome } from './append-types';
import { readEventsAfter } from './read-events';
import { assertStorable } from './storable';
import { rebuildStreamStates, StreamStateRebuild } from './stream-state';
import { EVENT_COLUMNS, EventRow, StoredEvent, toStoredEvent } from './stored-event';

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
  private readonly batcher: AppendBatcher;

  constructor(private readonly pool: Pool) {
    this.batcher = new AppendBatcher(pool);
  }

  /** Appends all of the command's events or none; rejects with DomainError and friends. */
  async append(missionId: string, command: AppendCommand, context: AppendContext): Promise<AppendOutcome> {
    assertStorable(command);
    return this.batcher.submit({ missionId, command, context });
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

  /** Recomputes every stream's rule state from its events (after a change of the rules). */
  rebuildStreamStates(): Promise<StreamStateRebuild> {
    return rebuildStreamStates(this.pool);
  }

}
