// missions: name, host, lead nation, stream version and supporters of every mission.
import { emptyMission, evolveMission, MissionState } from '@app/domain';
import { Queryable } from '@app/event-store';
import { Projection } from './projection';

interface MissionRow {
  mission_id: string;
  name: string;
  host_country: string;
  lead_nation: string | null;
  stream_version: number;
  supporters: string[];
}

const toState = (row: MissionRow): MissionState => ({
  name: row.name,
  hostCountry: row.host_country,
  leadNation: row.lead_nation,
  streamVersion: row.stream_version,
  supporters: row.supporters,
});

export const missionsProjection: Projection<MissionState> = {
  name: 'missions',
  tables: ['missions'],
  initial: emptyMission,
  evolve: evolveMission,

  async load(db, generation, missionIds) {
    const { rows } = await db.query<MissionRow>(
      'SELECT mission_id, name, host_country, lead_nation, stream_version, supporters FROM missions WHERE generation = $1 AND mission_id = ANY($2)',
      [generation, missionIds],
    );
    return new Map(rows.map((row) => [row.mission_id, toState(row)]));
  },

  async save(db, generation, states) {
    const ids = [...states.keys()];
    const all = ids.map((id) => states.get(id)!);
    await db.query(
      `INSERT INTO missions (generation, mission_id, name, host_country, lead_nation, stream_version, supporters)
       SELECT $1, m.id, m.name, m.host, m.lead, m.version, ARRAY(SELECT jsonb_array_elements_text(m.supporters))
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::jsonb[]) AS m(id, name, host, lead, version, supporters)
       ON CONFLICT (generation, mission_id) DO UPDATE SET
         name = EXCLUDED.name, host_country = EXCLUDED.host_country, lead_nation = EXCLUDED.lead_nation,
         stream_version = EXCLUDED.stream_version, supporters = EXCLUDED.supporters`,
      [
        generation,
        ids,
        all.map((m) => m.name),
        all.map((m) => m.hostCountry),
        all.map((m) => m.leadNation),
        all.map((m) => m.streamVersion),
        all.map((m) => JSON.stringify(m.supporters)),
      ],
    );
  },
};

export interface MissionListRow extends MissionState {
  missionId: string;
}

export async function readMissions(db: Queryable, generation: number): Promise<MissionListRow[]> {
  const { rows } = await db.query<MissionRow>(
    'SELECT mission_id, name, host_country, lead_nation, stream_version, supporters FROM missions WHERE generation = $1 ORDER BY mission_id',
    [generation],
  );
  return rows.map((row) => ({ missionId: row.mission_id, ...toState(row) }));
}
