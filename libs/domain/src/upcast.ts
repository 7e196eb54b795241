// Stored events keep the schema version they were written with; reads upcast them to the
// current shape, so a new schema version never rewrites the log. Register an upcaster as
// `upcasters['Type@1'] = (data) => newData` when a type's schema changes.
import { CURRENT_SCHEMA_VERSION, DomainEvent, isEventType } from './catalogue';

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;
const upcasters: Record<string, Upcaster> = {};

/**
 * An event this code cannot read yet: an unknown type or a newer schema version, which is
 * what a rolling deploy produces while newer processes already append. Not a poison event:
 * the code that reads it is on its way, so readers wait and retry instead of failing.
 */
export class UnreadableEventError extends Error {}

export function upcast(type: string, schemaVersion: number, data: unknown): DomainEvent {
  if (!isEventType(type)) throw new UnreadableEventError(`unknown event type "${type}"`);
  if (schemaVersion > CURRENT_SCHEMA_VERSION) {
    throw new UnreadableEventError(`${type} schema version ${schemaVersion} is newer than this code (${CURRENT_SCHEMA_VERSION})`);
  }
  let current = data as Record<string, unknown>;
  for (let version = schemaVersion; version < CURRENT_SCHEMA_VERSION; version++) {
    const step = upcasters[`${type}@${version}`];
    if (!step) throw new Error(`no upcaster for ${type} schema version ${version}`);
    current = step(current);
  }
  return { type, data: current } as DomainEvent;
}
