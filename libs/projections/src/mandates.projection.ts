// mandates: every MandateAuthorized of a mission's effective stream (CONTRACT section 11).
// A retracted mandate is gone: a correction refolds the mission and its rows no longer held
// are deleted.
import { prepared } from '@app/database';
import { emptyMandates, evolveMandates, MANDATE_EVENT_TYPES, MandatesState } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

interface MandateRow {
  mission_id: string;
  event_id: string;
  authority: string;
  instrument: string;
  adopted_on: string;
  expires_on: string | null;
  personnel_ceiling: number | null;
  url: string | null;
}

/** Dates as text: a `date` read back as a JavaScript Date would be shifted by the server's time zone. */
const COLUMNS = `mission_id, event_id, authority, instrument, adopted_on::text, expires_on::text, personnel_ceiling, url`;

export const mandatesProjection = defineProjection({
  name: 'mandates',
  handles: MANDATE_EVENT_TYPES,
  tables: ['mandates'],
  initial: emptyMandates,
  evolve: evolveMandates,

  async load(db, generation, missionIds) {
    return byMission(db, generation, missionIds);
  },

  writes(generation, states, params, refolded) {
    const rows = [...states.entries()].flatMap(([missionId, mandates]) => mandates.map((m, ordinal) => ({ missionId, ordinal, ...m })));
    const gen = params.add(generation);
    const statements: string[] = [];
    if (rows.length > 0) {
      statements.push(
        `INSERT INTO mandates (generation, mission_id, event_id, ordinal, authority, instrument, adopted_on, expires_on, personnel_ceiling, url)
         SELECT ${gen}::int, * FROM unnest(${params.add(rows.map((r) => r.missionId))}::text[], ${params.add(rows.map((r) => r.eventId))}::uuid[],
           ${params.add(rows.map((r) => r.ordinal))}::int[], ${params.add(rows.map((r) => r.authority))}::text[], ${params.add(rows.map((r) => r.instrument))}::text[],
           ${params.add(rows.map((r) => r.adoptedOn))}::date[], ${params.add(rows.map((r) => r.expiresOn))}::date[],
           ${params.add(rows.map((r) => r.personnelCeiling))}::int[], ${params.add(rows.map((r) => r.url))}::text[])
         ON CONFLICT (generation, mission_id, event_id) DO UPDATE SET
           ordinal = EXCLUDED.ordinal, authority = EXCLUDED.authority, instrument = EXCLUDED.instrument, adopted_on = EXCLUDED.adopted_on,
           expires_on = EXCLUDED.expires_on, personnel_ceiling = EXCLUDED.personnel_ceiling, url = EXCLUDED.url`,
      );
    }
    if (refolded.size > 0) {
      // Mandates a refolded mission no longer has (retracted); those it keeps are upserted above.
      const kept = rows.filter((r) => refolded.has(r.missionId));
      statements.push(
        `DELETE FROM mandates m WHERE m.generation = ${gen}::int AND m.mission_id = ANY(${params.add([...refolded])}::text[])
         AND (m.mission_id, m.event_id) NOT IN (SELECT * FROM unnest(${params.add(kept.map((r) => r.missionId))}::text[], ${params.add(kept.map((r) => r.eventId))}::uuid[]))`,
      );
    }
    return statements;
  },
});

/** The mandates of the given missions (of every mission when none are given), each in log order. */
async function byMission(db: Queryable, generation: number, missionIds?: string[]): Promise<Map<string, MandatesState>> {
  const { rows } = await db.query<MandateRow>(
    missionIds
      ? prepared(`SELECT ${COLUMNS} FROM mandates WHERE generation = $1 AND mission_id = ANY($2) ORDER BY mission_id, ordinal`)
      : `SELECT ${COLUMNS} FROM mandates WHERE generation = $1 ORDER BY mission_id, ordinal`,
    missionIds ? [generation, missionIds] : [generation],
  );
  const states = new Map<string, MandatesState>();
  for (const row of rows) {
    let state = states.get(row.mission_id);
    if (!state) states.set(row.mission_id, (state = []));
    state.push({
      eventId: row.event_id,
      authority: row.authority,
      instrument: row.instrument,
      adoptedOn: row.adopted_on,
      expiresOn: row.expires_on,
      personnelCeiling: row.personnel_ceiling,
      url: row.url,
    });
  }
  return states;
}

/** One mission's mandates in log order. */
export async function readMandates(db: Queryable, generation: number, missionId: string): Promise<MandatesState> {
  return (await byMission(db, generation, [missionId])).get(missionId) ?? emptyMandates();
}

/** Every mission's mandates (for the missions list: `authorized` of each). */
export const readAllMandates = (db: Queryable, generation: number): Promise<Map<string, MandatesState>> => byMission(db, generation);
