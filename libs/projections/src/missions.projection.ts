// missions: name, host, lead nation, stream version and supporters of every mission.
import { prepared } from '@app/database';
import { effectiveStream, emptyMission, EVENT_TYPES, evolveMission, MissionState } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

interface MissionRow {
  mission_id: string;
  name: string;
  host_country: string;
  lead_nation: string | null;
  stream_version: number;
  supporters: string[];
  predecessor: string | null;
}

const toState = (row: MissionRow): MissionState => ({
  name: row.name,
  hostCountry: row.host_country,
  leadNation: row.lead_nation,
  streamVersion: row.stream_version,
  supporters: row.supporters,
  predecessor: row.predecessor,
});

export const missionsProjection = defineProjection({
  name: 'missions',
  handles: new Set(EVENT_TYPES),
  tables: ['missions'],
  initial: emptyMission,
  evolve: evolveMission,
  // The effective stream (a retracted SupportDeclared lists no supporter), at the version of
  // the log itself: corrections are events of the stream.
  refold(log) {
    const state = effectiveStream(log).reduce(evolveMission, emptyMission());
    return { ...state, streamVersion: log.at(-1)?.version ?? 0 };
  },

  async load(db, generation, missionIds) {
    const { rows } = await db.query<MissionRow>(
      prepared('SELECT mission_id, name, host_country, lead_nation, stream_version, supporters, predecessor FROM missions WHERE generation = $1 AND mission_id = ANY($2)'),
      [generation, missionIds],
    );
    return new Map(rows.map((row) => [row.mission_id, toState(row)]));
  },

  writes(generation, states, params) {
    const ids = [...states.keys()];
    const all = ids.map((id) => states.get(id)!);
    return [
      `INSERT INTO missions (generation, mission_id, name, host_country, lead_nation, stream_version, supporters, predecessor)
       SELECT ${params.add(generation)}::int, m.id, m.name, m.host, m.lead, m.version, ARRAY(SELECT jsonb_array_elements_text(m.supporters)), m.predecessor
       FROM unnest(${params.add(ids)}::text[], ${params.add(all.map((m) => m.name))}::text[], ${params.add(all.map((m) => m.hostCountry))}::text[],
         ${params.add(all.map((m) => m.leadNation))}::text[], ${params.add(all.map((m) => m.streamVersion))}::int[],
         ${params.add(all.map((m) => JSON.stringify(m.supporters)))}::jsonb[], ${params.add(all.map((m) => m.predecessor))}::text[])
         AS m(id, name, host, lead, version, supporters, predecessor)
       ON CONFLICT (generation, mission_id) DO UPDATE SET
         name = EXCLUDED.name, host_country = EXCLUDED.host_country, lead_nation = EXCLUDED.lead_nation,
         stream_version = EXCLUDED.stream_version, supporters = EXCLUDED.supporters, predecessor = EXCLUDED.predecessor`,
    ];
  },
});

export interface MissionListRow extends MissionState {
  missionId: string;
  /** The mission that names this one as its predecessor (of several, the first by id). */
  successor: string | null;
}

export async function readMissions(db: Queryable, generation: number): Promise<MissionListRow[]> {
  const { rows } = await db.query<MissionRow & { successor: string | null }>(
    `SELECT m.mission_id, m.name, m.host_country, m.lead_nation, m.stream_version, m.supporters, m.predecessor,
       (SELECT min(s.mission_id) FROM missions s WHERE s.generation = m.generation AND s.predecessor = m.mission_id) AS successor
     FROM missions m WHERE m.generation = $1 ORDER BY m.mission_id`,
    [generation],
  );
  return rows.map((row) => ({ missionId: row.mission_id, ...toState(row), successor: row.successor }));
}
