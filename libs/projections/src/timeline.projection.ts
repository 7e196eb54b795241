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
      `INSERT INTO timeline_items (generation, mission_id, position, version, type, occurred_at, summary, event_id, status, source, country)
       SELECT ${params.add(generation)}::int, * FROM unnest(${params.add(items.map((i) => i.missionId))}::text[], ${params.add(items.map((i) => i.position))}::bigint[],
         ${params.add(items.map((i) => i.version))}::int[], ${params.add(items.map((i) => i.type))}::text[],
         ${params.add(items.map((i) => i.occurredAt))}::timestamptz[], ${params.add(items.map((i) => i.summary))}::text[],
         ${params.add(items.map((i) => i.eventId))}::uuid[], ${params.add(items.map((i) => i.status))}::text[],
         ${params.add(items.map((i) => (i.source ? JSON.stringify(i.source) : null)))}::jsonb[], ${params.add(items.map((i) => i.country ?? null))}::text[])
       ON CONFLICT (generation, mission_id, position) DO UPDATE SET summary = EXCLUDED.summary, status = EXCLUDED.status, source = EXCLUDED.source`,
    ];
  },
});

/** Which items of a mission's timeline, in which order (CONTRACT section 10). */
export interface TimelineQuery {
  limit: number;
  /** By position (the default): items below this position. */
  before?: number;
  /** `occurred`: newest occurredAt first, ties by position; paged with `cursor`. */
  order: 'position' | 'occurred';
  /** With order `occurred`: items after this (occurredAt, position) in that order. */
  cursor?: { occurredAt: string; position: number };
  types?: string[];
  country?: string;
  /** occurredAt on or after this instant. */
  from?: Date;
  /** occurredAt before this instant (the day after `to`). */
  until?: Date;
}

type TimelineRow = { position: number; version: number; type: TimelineItem['type']; occurred_at: Date; summary: string; event_id: string; status: EventStatus; source: Source | null };

/** One page of items, and whether there are more after it (it reads one more than the page). */
export async function readTimeline(db: Queryable, generation: number, missionId: string, query: TimelineQuery): Promise<{ items: Omit<TimelineItem, 'missionId' | 'country'>[]; more: boolean }> {
  const values: unknown[] = [generation, missionId];
  const where = ['generation = $1', 'mission_id = $2'];
  const add = (value: unknown) => `$${values.push(value)}`;
  if (query.types) where.push(`type = ANY(${add(query.types)}::text[])`);
  if (query.country) where.push(`country = ${add(query.country)}`);
  if (query.from) where.push(`occurred_at >= ${add(query.from)}`);
  if (query.until) where.push(`occurred_at < ${add(query.until)}`);
  let order = 'position DESC';
  if (query.order === 'occurred') {
    order = 'occurred_at DESC, position DESC';
    if (query.cursor) where.push(`(occurred_at, position) < (${add(query.cursor.occurredAt)}::timestamptz, ${add(query.cursor.position)}::bigint)`);
  } else if (query.before !== undefined) {
    where.push(`position < ${add(query.before)}`);
  }
  const { rows } = await db.query<TimelineRow>(
    `SELECT position, version, type, occurred_at, summary, event_id, status, source FROM timeline_items
     WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${add(query.limit + 1)}`,
    values,
  );
  const items = rows.slice(0, query.limit).map((r) => ({
    eventId: r.event_id,
    position: r.position,
    version: r.version,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    summary: r.summary,
    status: r.status,
    ...(r.source && { source: r.source }),
  }));
  return { items, more: rows.length > query.limit };
}
