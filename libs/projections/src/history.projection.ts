// history: one row per mission and UTC day with an effective event (see @app/domain
// history.ts). A step writes only the days its events changed: from the earliest day they
// occurred on (one row when events arrive in date order); a correction refolds the mission and
// the days it no longer has are deleted. Reads take the stored points as they are.
import { prepared } from '@app/database';
import { DonorFunding, donorKey, emptyHistory, evolveHistory, evolveHistoryMany, HISTORY_EVENT_TYPES, HistoryPoint, historyPoint, HistoryState, historyWritten, MissionFigures } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

/** The figures as stored: donors as a list (jsonb cannot hold the NUL that joins donorKey). */
interface StoredFigures {
  personnel: MissionFigures['personnel'];
  donors: DonorFunding[];
  mandates: MissionFigures['mandates'];
}

const toStored = (f: MissionFigures): StoredFigures => ({ personnel: f.personnel, donors: Object.values(f.funding.byDonor), mandates: f.mandates });
const fromStored = (s: StoredFigures): MissionFigures => ({
  personnel: s.personnel,
  funding: { byDonor: Object.fromEntries(s.donors.map((d) => [donorKey(d.donor, d.currency), d])) },
  mandates: s.mandates,
});

export const historyProjection = defineProjection({
  name: 'history',
  handles: HISTORY_EVENT_TYPES,
  tables: ['history_points'],
  initial: emptyHistory,
  evolve: evolveHistory,
  evolveMany: evolveHistoryMany,
  written: historyWritten,

  async load(db, generation, missionIds) {
    const { rows } = await db.query<{ mission_id: string; day: string; figures: StoredFigures }>(
      prepared('SELECT mission_id, day::text, figures FROM history_points WHERE generation = $1 AND mission_id = ANY($2) ORDER BY mission_id, day'),
      [generation, missionIds],
    );
    const states = new Map<string, HistoryState>();
    for (const row of rows) {
      let state = states.get(row.mission_id);
      if (!state) states.set(row.mission_id, (state = emptyHistory()));
      state.days.push({ day: row.day, figures: fromStored(row.figures) });
    }
    return states;
  },

  writes(generation, states, params, refolded) {
    const rows = [...states.entries()].flatMap(([missionId, state]) =>
      state.days
        .filter(({ day }) => refolded.has(missionId) || (state.changedFrom !== null && day >= state.changedFrom))
        .map(({ day, figures }) => ({ missionId, day, point: JSON.stringify(historyPoint(day, figures)), figures: JSON.stringify(toStored(figures)) })),
    );
    const gen = params.add(generation);
    const statements: string[] = [];
    if (rows.length > 0) {
      statements.push(
        `INSERT INTO history_points (generation, mission_id, day, point, figures)
         SELECT ${gen}::int, * FROM unnest(${params.add(rows.map((r) => r.missionId))}::text[], ${params.add(rows.map((r) => r.day))}::date[],
           ${params.add(rows.map((r) => r.point))}::jsonb[], ${params.add(rows.map((r) => r.figures))}::jsonb[])
         ON CONFLICT (generation, mission_id, day) DO UPDATE SET point = EXCLUDED.point, figures = EXCLUDED.figures`,
      );
    }
    if (refolded.size > 0) {
      // Days a refolded mission no longer has (their only events retracted, or moved by a
      // correction of their date-less data: never, but a retraction can empty a day).
      const kept = rows.filter((r) => refolded.has(r.missionId));
      statements.push(
        // NOT EXISTS, not NOT IN: an anti-join PostgreSQL hashes (a mission has thousands of
        // days; a row-valued NOT IN compared every row with every kept day: seconds at 10,000).
        `DELETE FROM history_points h WHERE h.generation = ${gen}::int AND h.mission_id = ANY(${params.add([...refolded])}::text[])
         AND NOT EXISTS (SELECT 1 FROM unnest(${params.add(kept.map((r) => r.missionId))}::text[], ${params.add(kept.map((r) => r.day))}::date[]) AS k(mission_id, day)
           WHERE k.mission_id = h.mission_id AND k.day = h.day)`,
      );
    }
    return statements;
  },
});

/** The stored points of one mission from `from` to `to` (inclusive, YYYY-MM-DD, either optional), by date. */
export async function readHistory(db: Queryable, generation: number, missionId: string, from?: string, to?: string): Promise<HistoryPoint[]> {
  const { rows } = await db.query<{ point: HistoryPoint }>(
    prepared(`SELECT point FROM history_points WHERE generation = $1 AND mission_id = $2
      AND ($3::date IS NULL OR day >= $3::date) AND ($4::date IS NULL OR day <= $4::date) ORDER BY day`),
    [generation, missionId, from ?? null, to ?? null],
  );
  return rows.map((row) => row.point);
}
