// personnel: per mission `required`, per mission and country the five counters.
import { prepared } from '@app/database';
import { emptyPersonnel, evolvePersonnel, PERSONNEL_EVENT_TYPES, PersonnelState, PersonnelTotals } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

export const personnelProjection = defineProjection({
  name: 'personnel',
  handles: PERSONNEL_EVENT_TYPES,
  tables: ['personnel_missions', 'personnel_countries'],
  initial: emptyPersonnel,
  evolve: evolvePersonnel,

  async load(db, generation, missionIds) {
    // One query: each mission's `required` with its countries (LEFT JOIN: a mission may have none).
    const { rows } = await db.query<CountryRow & { required: number | null; country: string | null }>(
      prepared(`SELECT m.mission_id, coalesce(pm.required, 0) AS required, c.country, c.pledged, c.departed, c.in_transit, c.deployed, c.withdrawn
       FROM unnest($2::text[]) AS m(mission_id)
       LEFT JOIN personnel_missions pm ON pm.generation = $1 AND pm.mission_id = m.mission_id
       LEFT JOIN personnel_countries c ON c.generation = $1 AND c.mission_id = m.mission_id
       WHERE pm.mission_id IS NOT NULL OR c.mission_id IS NOT NULL
       ORDER BY m.mission_id, c.country`),
      [generation, missionIds],
    );
    const states = new Map<string, PersonnelState>();
    for (const row of rows) {
      const state = states.get(row.mission_id) ?? { required: row.required ?? 0, byCountry: {} };
      if (row.country) {
        state.byCountry[row.country] = {
          pledged: row.pledged,
          departed: row.departed,
          inTransit: row.in_transit,
          deployed: row.deployed,
          withdrawn: row.withdrawn,
        };
      }
      states.set(row.mission_id, state);
    }
    return states;
  },

  writes(generation, states, params, refolded) {
    const missionIds = [...states.keys()];
    const gen = params.add(generation);
    const statements = [
      `INSERT INTO personnel_missions (generation, mission_id, required)
       SELECT ${gen}::int, * FROM unnest(${params.add(missionIds)}::text[], ${params.add(missionIds.map((id) => states.get(id)!.required))}::bigint[])
       ON CONFLICT (generation, mission_id) DO UPDATE SET required = EXCLUDED.required`,
    ];
    const rows = missionIds.flatMap((missionId) =>
      Object.entries(states.get(missionId)!.byCountry).map(([country, c]) => ({ missionId, country, ...c })),
    );
    if (rows.length > 0) {
      statements.push(
        `INSERT INTO personnel_countries (generation, mission_id, country, pledged, departed, in_transit, deployed, withdrawn)
         SELECT ${gen}::int, * FROM unnest(${params.add(rows.map((r) => r.missionId))}::text[], ${params.add(rows.map((r) => r.country))}::text[],
           ${params.add(rows.map((r) => r.pledged))}::bigint[], ${params.add(rows.map((r) => r.departed))}::bigint[], ${params.add(rows.map((r) => r.inTransit))}::bigint[],
           ${params.add(rows.map((r) => r.deployed))}::bigint[], ${params.add(rows.map((r) => r.withdrawn))}::bigint[])
         ON CONFLICT (generation, mission_id, country) DO UPDATE SET
           pledged = EXCLUDED.pledged, departed = EXCLUDED.departed, in_transit = EXCLUDED.in_transit,
           deployed = EXCLUDED.deployed, withdrawn = EXCLUDED.withdrawn`,
      );
    }
    if (refolded.size > 0) {
      // Countries a refolded mission no longer has (their only events retracted); rows it
      // keeps are upserted above, so the two statements never touch the same row.
      const kept = rows.filter((r) => refolded.has(r.missionId));
      statements.push(
        `DELETE FROM personnel_countries c WHERE c.generation = ${gen}::int AND c.mission_id = ANY(${params.add([...refolded])}::text[])
         AND (c.mission_id, c.country) NOT IN (SELECT * FROM unnest(${params.add(kept.map((r) => r.missionId))}::text[], ${params.add(kept.map((r) => r.country))}::text[]))`,
      );
    }
    return statements;
  },
});

interface CountryRow {
  mission_id: string;
  country: string;
  pledged: number;
  departed: number;
  in_transit: number;
  deployed: number;
  withdrawn: number;
}

/** One mission's personnel state in the given generation (empty when it has no rows yet). */
export async function readPersonnel(db: Queryable, generation: number, missionId: string): Promise<PersonnelState> {
  const states = await personnelProjection.load(db, generation, [missionId]);
  return states.get(missionId) ?? emptyPersonnel();
}

/** Every mission's personnel totals in one query (for the missions list). */
export async function readPersonnelTotals(db: Queryable, generation: number): Promise<Map<string, PersonnelTotals>> {
  const { rows } = await db.query<{ mission_id: string } & PersonnelTotals>(
    `SELECT m.mission_id, coalesce(pm.required, 0) AS required,
            coalesce(sum(c.pledged), 0)::bigint AS pledged, coalesce(sum(c.departed), 0)::bigint AS departed,
            coalesce(sum(c.in_transit), 0)::bigint AS "inTransit", coalesce(sum(c.deployed), 0)::bigint AS deployed,
            coalesce(sum(c.withdrawn), 0)::bigint AS withdrawn
     FROM (SELECT mission_id FROM personnel_missions WHERE generation = $1
           UNION SELECT mission_id FROM personnel_countries WHERE generation = $1) AS m
     LEFT JOIN personnel_missions pm ON pm.generation = $1 AND pm.mission_id = m.mission_id
     LEFT JOIN personnel_countries c ON c.generation = $1 AND c.mission_id = m.mission_id
     GROUP BY m.mission_id, pm.required`,
    [generation],
  );
  return new Map(
    rows.map(({ mission_id, required, pledged, departed, inTransit, deployed, withdrawn }) => [
      mission_id,
      { required, pledged, departed, inTransit, deployed, withdrawn },
    ]),
  );
}
