// timeline: one row per event with its human summary; append-only, so nothing is loaded.
import { EVENT_TYPES, TimelineItem, timelineItem } from '@app/domain';
import { Queryable } from '@app/event-store';
import { defineProjection } from './projection';

/** The state of a batch: the items it adds. */
type NewItems = TimelineItem[];

export const timelineProjection = defineProjection({
  name: 'timeline',
  handles: new Set(EVENT_TYPES),
  tables: ['timeline_items'],
  appendOnly: true,
  initial: (): NewItems => [],
  // Appended in place: a batch's list is its own (initial() is fresh for every mission in every
  // batch, and appendOnly keeps it out of the state cache), and copying it for each event
  // made a batch of one mission's n events cost n²/2 copies.
  evolve: (items, event) => {
    items.push(timelineItem(event));
    return items;
  },
  load: async () => new Map(),

  writes(generation, states, params) {
    const items = [...states.values()].flat();
    if (items.length === 0) return [];
    return [
      `INSERT INTO timeline_items (generation, mission_id, position, version, type, occurred_at, summary)
       SELECT ${params.add(generation)}::int, * FROM unnest(${params.add(items.map((i) => i.missionId))}::text[], ${params.add(items.map((i) => i.position))}::bigint[],
         ${params.add(items.map((i) => i.version))}::int[], ${params.add(items.map((i) => i.type))}::text[],
         ${params.add(items.map((i) => i.occurredAt))}::timestamptz[], ${params.add(items.map((i) => i.summary))}::text[])`,
    ];
  },
});

/** Newest first, optionally only items before a position. */
export async function readTimeline(
  db: Queryable,
  generation: number,
  missionId: string,
  limit: number,
  before: number | undefined,
): Promise<Omit<TimelineItem, 'missionId'>[]> {
  const { rows } = await db.query<{ position: number; version: number; type: TimelineItem['type']; occurred_at: Date; summary: string }>(
    `SELECT position, version, type, occurred_at, summary FROM timeline_items
     WHERE generation = $1 AND mission_id = $2 AND ($3::bigint IS NULL OR position < $3)
     ORDER BY position DESC LIMIT $4`,
    [generation, missionId, before ?? null, limit],
  );
  return rows.map((r) => ({ position: r.position, version: r.version, type: r.type, occurredAt: r.occurred_at.toISOString(), summary: r.summary }));
}
