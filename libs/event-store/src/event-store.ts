// The PostgreSQL event log: appends (through the group-commit batcher, see
// append-transaction.ts for how order and the domain rules are kept), reads on the pool,
// and the purge of expired idempotency keys. Reads that must share another module's
// transaction use EventLogReader on that transaction's client instead.
import { Pool } from 'pg';
import { AppendCommand } from '@app/domain';
import { AppendBatcher } from './append-batcher';
import { AppendContext, AppendOutcome } from './append-types';
import { EventLogReader } from './event-log-reader';
import { assertStorable } from './storable';
import { rebuildStreamStates, StreamStateRebuild } from './stream-state';
import { StoredEvent } from './stored-event';

export interface StreamPage {
  missionId: string;
  events: StoredEvent[];
  nextVersion: number | null;
}

export interface GlobalPage {
  events: StoredEvent[];
  next: number;
}

/** Idempotency keys are kept this long (CONTRACT section 4), then purged. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

export class EventStore {
  private readonly batcher: AppendBatcher;
  private readonly reader: EventLogReader;

  constructor(private readonly pool: Pool) {
    this.batcher = new AppendBatcher(pool);
    this.reader = new EventLogReader(pool);
  }

  /** Appends all of the command's events or none; rejects with DomainError and friends. */
  async append(missionId: string, command: AppendCommand, context: AppendContext): Promise<AppendOutcome> {
    assertStorable(command);
    return this.batcher.submit({ missionId, command, context });
  }

  /** The stream's version, or 0 when the mission does not exist. */
  async streamVersion(missionId: string): Promise<number> {
    return this.reader.streamVersion(missionId);
  }

  /** A page of one mission's events, or null when the mission does not exist. */
  async readStream(missionId: string, fromVersion: number, limit: number): Promise<StreamPage | null> {
    const events = await this.reader.streamEvents(missionId, fromVersion, limit + 1);
    if (events.length === 0 && (await this.reader.streamVersion(missionId)) === 0) return null;
    const page = events.slice(0, limit);
    const nextVersion = events.length > limit ? page[page.length - 1].version + 1 : null;
    return { missionId, events: page, nextVersion };
  }

  /** The global feed: events with position > after, in position (= commit) order. */
  async readAll(after: number, limit: number): Promise<GlobalPage> {
    const events = await this.reader.eventsAfter(after, limit);
    return { events, next: events.length > 0 ? events[events.length - 1].position : after };
  }

  /** Recomputes every stream's rule state from its events (after a change of the rules). */
  rebuildStreamStates(): Promise<StreamStateRebuild> {
    return rebuildStreamStates(this.pool);
  }

  /**
   * Deletes the idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many. In
   * small transactions that skip rows locked by others: a key an append is claiming right now
   * (see beginAppend) is left for the next purge instead of being deleted under the append,
   * and several workers purging at once split the work instead of waiting on each other.
   */
  async purgeExpiredIdempotencyKeys(chunk = 1_000): Promise<number> {
    let purged = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM idempotency_keys WHERE (principal, key) IN (
           SELECT principal, key FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)
           ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [IDEMPOTENCY_KEY_TTL_HOURS, chunk],
      );
      purged += rowCount ?? 0;
      if ((rowCount ?? 0) < chunk) return purged;
    }
  }
}
