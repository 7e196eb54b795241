// What makes two events "the same event" for an import: the same type, the same instant and
// the same data. The log assigns ids, versions, positions, the actor and the time of recording
// again on every append, and metadata says how an event was reported, not what happened, so
// none of those take part. Keys are compared, never stored: they can change between releases.
import { createHash } from 'node:crypto';
import { parseOccurredAt } from '@app/domain';

export interface EventContent {
  type: string;
  occurredAt: string;
  data: unknown;
}

/**
 * A short digest of an event's content. A line of an import file and the event the log holds
 * for it give the same key: the date is compared as the instant it stands for ("2024-06-24" is
 * "2024-06-24T00:00:00.000Z") and the data with its fields in any order.
 */
export function contentKey(event: EventContent): string {
  return createHash('sha256')
    .update(event.type)
    .update('\0')
    .update(instantOf(event.occurredAt))
    .update('\0')
    .update(canonicalJson(event.data))
    .digest('base64url')
    .slice(0, 24);
}

/** The instant, as the API stores it; an unparsable date (never sent) stays as written. */
function instantOf(occurredAt: string): string {
  return parseOccurredAt(occurredAt)?.toISOString() ?? occurredAt;
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are the same data. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
