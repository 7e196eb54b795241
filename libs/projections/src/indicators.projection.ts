// indicators: the points of every outcome indicator of a mission (CONTRACT section 11). A
// revision upserts the point it revises; a correction refolds the mission and the points it
// no longer has are deleted.
import { prepared } from '@app/database';
import { emptyIndicators, evolveIndicators, formatAmount, INDICATOR_EVENT_TYPES, IndicatorsState, parseAmount, pointKey } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

interface PointRow {
  mission_id: string;
  indicator: string;
  period_start: string;
  period_end: string;
  area: string;
  unit: string;
  value: string;
  event_id: string;
}

/** The empty string stands for "no area" in the key column (an area is at least one character). */
const NO_AREA = '';

export const indicatorsProjection = defineProjection({
  name: 'indicators',
  handles: INDICATOR_EVENT_TYPES,
  tables: ['indicator_points'],
  initial: emptyIndicators,
  evolve: evolveIndicators,

  async load(db, generation, missionIds) {
    // Dates as text: read back as a JavaScript Date they would shift with the server's time zone.
    const { rows } = await db.query<PointRow>(
      prepared(`SELECT mission_id, indicator, period_start::text, period_end::text, area, unit, value::text, event_id
       FROM indicator_points WHERE generation = $1 AND mission_id = ANY($2)`),
      [generation, missionIds],
    );
    const states = new Map<string, IndicatorsState>();
    for (const row of rows) {
      let state = states.get(row.mission_id);
      if (!state) states.set(row.mission_id, (state = {}));
      const area = row.area === NO_AREA ? null : row.area;
      state[pointKey(row.indicator, row.period_start, row.period_end, area)] = {
        indicator: row.indicator,
        unit: row.unit,
        periodStart: row.period_start,
        periodEnd: row.period_end,
        area,
        // numeric(60,4) reads back as "12.0000": the shortest exact form, as recorded.
        value: formatAmount(parseAmount(row.value)),
        eventId: row.event_id,
      };
    }
    return states;
  },

  writes(generation, states, params, refolded) {
    const rows = [...states.entries()].flatMap(([missionId, state]) => Object.values(state).map((p) => ({ missionId, ...p, area: p.area ?? NO_AREA })));
    const gen = params.add(generation);
    const statements: string[] = [];
    if (rows.length > 0) {
      statements.push(
        `INSERT INTO indicator_points (generation, mission_id, indicator, period_start, period_end, area, unit, value, event_id)
         SELECT ${gen}::int, * FROM unnest(${params.add(rows.map((r) => r.missionId))}::text[], ${params.add(rows.map((r) => r.indicator))}::text[],
           ${params.add(rows.map((r) => r.periodStart))}::date[], ${params.add(rows.map((r) => r.periodEnd))}::date[], ${params.add(rows.map((r) => r.area))}::text[],
           ${params.add(rows.map((r) => r.unit))}::text[], ${params.add(rows.map((r) => r.value))}::numeric[], ${params.add(rows.map((r) => r.eventId))}::uuid[])
         ON CONFLICT (generation, mission_id, indicator, period_start, period_end, area) DO UPDATE SET
           unit = EXCLUDED.unit, value = EXCLUDED.value, event_id = EXCLUDED.event_id`,
      );
    }
    if (refolded.size > 0) {
      // Points a refolded mission no longer has (their only events retracted); those it keeps are upserted above.
      const kept = rows.filter((r) => refolded.has(r.missionId));
      statements.push(
        `DELETE FROM indicator_points p WHERE p.generation = ${gen}::int AND p.mission_id = ANY(${params.add([...refolded])}::text[])
         AND (p.mission_id, p.indicator, p.period_start, p.period_end, p.area) NOT IN (SELECT * FROM unnest(
           ${params.add(kept.map((r) => r.missionId))}::text[], ${params.add(kept.map((r) => r.indicator))}::text[], ${params.add(kept.map((r) => r.periodStart))}::date[],
           ${params.add(kept.map((r) => r.periodEnd))}::date[], ${params.add(kept.map((r) => r.area))}::text[]))`,
      );
    }
    return statements;
  },
});

export async function readIndicators(db: Queryable, generation: number, missionId: string): Promise<IndicatorsState> {
  return (await indicatorsProjection.load(db, generation, [missionId])).get(missionId) ?? emptyIndicators();
}
