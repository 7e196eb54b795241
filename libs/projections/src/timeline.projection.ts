// timeline: one row per event with its human summary, status and source; append-only, so
// nothing is loaded. A correction rewrites its mission's items (their statuses change).
import { EVENT_TYPES, EventStatus, missionTimeline, Source, TimelineItem, timelineItem } from '@app/domain';
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
  // Every item of the mission again, with the statuses its corrections give them.
  refold: (log) => missionTimeline(log),
  load: async () => new Map(),

  writes(generation, states, params) {
    const items = [...states.values()].flat();
    if (items.length === 0) return [];
    // Items of a refolded mission are there already: they are updated (a status changes).
    return [
      `INSERT INTO timeline_items (generation, mission_id, position, version, type, occurred_at, summary, event_id, status, source)
       SELECT ${params.add(generation)}::int, * FROM unnest(${params.add(items.map((i) => i.missionId))}::text[], ${params.add(items.map((i) => i.position))}::bigint[],
         ${params.add(items.map((i) => i.version))}::int[], ${params.add(items.map((i) => i.type))}::text[],
         ${params.add(items.map((i) => i.occurredAt))}::timestamptz[], ${params.add(items.map((i) => i.summary))}::text[],
         ${params.add(items.map((i) => i.eventId))}::uuid[], ${params.add(items.map((i) => i.status))}::text[],
         ${params.add(items.map((i) => (i.source ? JSON.stringify(i.source) : null)))}::jsonb[])
       ON CONFLICT (generation, mission_id, position) DO UPDATE SET summary = EXCLUDED.summary, status = EXCLUDED.status, source = EXCLUDED.source`,
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
  const { rows } = await db.query<{ position: number; version: number; type: TimelineItem['type']; occurred_at: Date; summary: string; event_id: string; status: EventStatus; source: Source | null }>(
    `SELECT position, version, type, occurred_at, summary, event_id, status, source FROM timeline_items
     WHERE generation = $1 AND mission_id = $2 AND ($3::bigint IS NULL OR position < $3)
     ORDER BY position DESC LIMIT $4`,
    [generation, missionId, before ?? null, limit],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    position: r.position,
    version: r.version,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    summary: r.summary,
    status: r.status,
    ...(r.source && { source: r.source }),
  }));
}
