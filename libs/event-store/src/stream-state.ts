// The write model's state as `streams.state` holds it: `{ "v": 3, "byCountry": {...},
// "units"?: {...} }`, v being MISSION_STREAM_STATE_VERSION (`units` only when the mission
// has indicators). A state of any other version — written by a release
// with other rules — or one that does not read as counters is never decided on: it is
// recomputed from the stream's events with the domain's own `evolve`, under the stream's row
// lock (the append path's FOR UPDATE), and written back.
import { Pool } from 'pg';
import { z } from 'zod';
import { inTransaction } from '@app/database';
import { IdentifiedEvent, MISSION_STREAM_STATE_VERSION, MissionStreamState, streamStateOf, upcast } from '@app/domain';
import { Queryable } from './event-log-reader';

const counter = z.number().int().nonnegative();
const storedState = z.strictObject({
  v: z.literal(MISSION_STREAM_STATE_VERSION),
  byCountry: z.record(z.string(), z.strictObject({ pledged: counter, departed: counter, inTransit: counter, deployed: counter, withdrawn: counter })),
  units: z.record(z.string(), z.string()).optional(),
});

/** The JSON to store in `streams.state`. */
export const storedStreamState = (state: MissionStreamState): string =>
  JSON.stringify({ v: MISSION_STREAM_STATE_VERSION, byCountry: state.byCountry, ...(Object.keys(state.units).length > 0 && { units: state.units }) });

/** The state a `streams` row holds, or null when it must be recomputed from the log. */
export function readStreamState(version: number, stored: unknown): MissionStreamState | null {
  const parsed = storedState.safeParse(stored);
  return parsed.success ? { version, byCountry: parsed.data.byCountry, units: parsed.data.units ?? {} } : null;
}

const PAGE = 2_000;

/**
 * The state folded from the stream's effective stream (corrections applied). The caller holds
 * the stream's row lock, so no append can add events meanwhile; the log must reach the version
 * the row says.
 */
export async function recomputeStreamState(db: Queryable, missionId: string, version: number): Promise<MissionStreamState> {
  const log: IdentifiedEvent[] = [];
  for (let full = true; full; ) {
    const { rows } = await db.query<{ id: string; type: string; schema_version: number; data: unknown }>(
      'SELECT id, type, schema_version, data FROM events WHERE mission_id = $1 AND version > $2 ORDER BY version LIMIT $3',
      [missionId, log.length, PAGE],
    );
    for (const row of rows) log.push({ id: row.id, ...upcast(row.type, row.schema_version, row.data) });
    full = rows.length === PAGE;
  }
  const state = streamStateOf(log);
  if (state.version !== version) {
    throw new Error(`stream ${missionId}: streams.version is ${version} but its log holds ${state.version} events`);
  }
  return state;
}

export interface StreamStateRebuild {
  streams: number;
  /** Streams whose stored state was not the one their log gives. */
  changed: number;
}

/**
 * Recomputes every stream's state from its events, one transaction per stream holding its
 * row lock, so appends carry on meanwhile (each waits at most for one stream's fold).
 */
export async function rebuildStreamStates(pool: Pool): Promise<StreamStateRebuild> {
  const result: StreamStateRebuild = { streams: 0, changed: 0 };
  for (let after = ''; ; ) {
    const { rows } = await pool.query<{ mission_id: string }>('SELECT mission_id FROM streams WHERE mission_id > $1 ORDER BY mission_id LIMIT $2', [
      after,
      PAGE,
    ]);
    for (const { mission_id: missionId } of rows) {
      const changed = await inTransaction(pool, async (client) => {
        const locked = await client.query<{ version: number }>('SELECT version FROM streams WHERE mission_id = $1 FOR UPDATE', [missionId]);
        const state = storedStreamState(await recomputeStreamState(client, missionId, locked.rows[0].version));
        const { rowCount } = await client.query(
          'UPDATE streams SET state = $2, updated_at = now() WHERE mission_id = $1 AND state IS DISTINCT FROM $2::jsonb',
          [missionId, state],
        );
        return rowCount === 1;
      });
      result.streams += 1;
      if (changed) result.changed += 1;
    }
    if (rows.length < PAGE) return result;
    after = rows[rows.length - 1].mission_id;
  }
}
