// One line of an import file: `{ missionId, type, occurredAt, data, metadata? }`, or an exported
// envelope (whose stored-only fields are dropped). Checked with the API's own rules, so a
// file that passes here is refused by the server only for a domain rule (an order of events).
import { FieldError, validateEvent } from '@app/domain';
import { MISSION_ID_PATTERN } from '../../../api/src/validation/parse';
import { EventToAppend } from '../api-client';

export type ImportLine = { ok: true; missionId: string; event: EventToAppend } | { ok: false; errors: FieldError[] };

/** What an export adds to an event; the log assigns these again on import. */
const STORED_ONLY_FIELDS = ['id', 'version', 'position', 'recordedAt', 'schemaVersion'] as const;

export function parseImportLine(text: string): ImportLine {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [{ path: '', message: `is not valid JSON (${(error as Error).message})` }] };
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  }
  const { missionId, ...rest } = input as Record<string, unknown>;
  for (const field of STORED_ONLY_FIELDS) delete rest[field];
  if (rest.metadata !== null && typeof rest.metadata === 'object' && !Array.isArray(rest.metadata) && 'actor' in rest.metadata) {
    // The server sets the actor (the importing key's name); an exported one is history.
    const { actor: _actor, ...metadata } = rest.metadata as Record<string, unknown>;
    rest.metadata = metadata;
  }

  const errors: FieldError[] = [];
  if (missionId === undefined) errors.push({ path: 'missionId', message: 'is required' });
  else if (typeof missionId !== 'string' || !MISSION_ID_PATTERN.test(missionId)) {
    errors.push({ path: 'missionId', message: `must match ${MISSION_ID_PATTERN.source} (lower-case letters, digits and dashes)` });
  }
  const event = validateEvent(rest);
  if (!event.ok) errors.push(...event.errors);
  if (errors.length > 0) return { ok: false, errors };
  // Sent as written (not as parsed): the server validates it again, and the bytes of a line
  // decide its batch's Idempotency-Key.
  return { ok: true, missionId: missionId as string, event: rest as unknown as EventToAppend };
}
