// personnel: per mission `required`, per mission and country the five counters.
import { emptyPersonnel, evolvePersonnel, PersonnelState } from '@app/domain';
import { Queryable } from '@app/event-store';
import { Projection } from './projection';

export const personnelProjection: Projection<PersonnelState> = {
  name: 'personnel',
  tables: ['personnel_missions', 'personnel_countries'],
  initial: emptyPersonnel,
  evolve: evolvePersonnel,

  async load(db, generation, missionIds) {
    const states = new Map<string, PersonnelState>();
    const missions = await db.query<{ mission_id: string; required: number }>(
      'SELECT mission_id, required FROM personnel_missions WHERE generation = $1 AND mission_id = ANY($2)',
      [generation, missionIds],
    );
    for (const row of missions.rows) states.set(row.mission_id, { required: row.required, byCountry: {} });
    for (const row of await loadCountries(db, generation, missionIds)) {
      const state = states.get(row.mission_id) ?? { required: 0, byCountry: {} };
      state.byCountry[row.country] = {
        pledged: row.pledged,
        departed: row.departed,
        inTransit: row.in_transit,
        deployed: row.deployed,
        withdrawn: row.withdrawn,
      };
      states.set(row.mission_id, state);
    }
    return states;
  },

  async save(db, generation, states) {
    const missionIds = [...states.keys()];
    await db.query(
      `INSERT INTO personnel_missions (generation, mission_id, required)
       SELECT $1, * FROM unnest($2::text[], $3::int[])
       ON CONFLICT (generation, mission_id) DO UPDATE SET required = EXCLUDED.required`,
      [generation, missionIds, missionIds.map((id) => states.get(id)!.required)],
    );
    const rows = missionIds.flatMap((missionId) =>
      Object.entries(states.get(missionId)!.byCountry).map(([country, c]) => ({ missionId, country, ...c })),
    );
    if (rows.length === 0) return;
    await db.query(
      `INSERT INTO personnel_countries (generation, mission_id, country, pledged, departed, in_transit, deployed, withdrawn)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[])
       ON CONFLICT (generation, mission_id, country) DO UPDATE SET
         pledged = EXCLUDED.pledged, departed = EXCLUDED.departed, in_transit = EXCLUDED.in_transit,
         deployed = EXCLUDED.deployed, withdrawn = EXCLUDED.withdrawn`,
      [
        generation,
        rows.map((r) => r.missionId),
        rows.map((r) => r.country),
        rows.map((r) => r.pledged),
        rows.map((r) => r.departed),
        rows.map((r) => r.inTransit),
        rows.map((r) => r.deployed),
        rows.map((r) => r.withdrawn),
      ],
    );
  },
};

interface CountryRow {
  mission_id: string;
  country: string;
  pledged: number;
  departed: number;
  in_transit: number;
  deployed: number;
  withdrawn: number;
}

async function loadCountries(db: Queryable, generation: number, missionIds: string[]): Promise<CountryRow[]> {
  const { rows } = await db.query<CountryRow>(
    `SELECT mission_id, country, pledged, departed, in_transit, deployed, withdrawn
     FROM personnel_countries WHERE generation = $1 AND mission_id = ANY($2) ORDER BY mission_id, country`,
    [generation, missionIds],
  );
  return rows;
}

/** One mission's personnel state in the given generation (empty when it has no rows yet). */
export async function readPersonnel(db: Queryable, generation: number, missionId: string): Promise<PersonnelState> {
  const states = await personnelProjection.load(db, generation, [missionId]);
  return states.get(missionId) ?? emptyPersonnel();
}
