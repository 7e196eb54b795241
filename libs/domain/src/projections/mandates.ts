// Mandates read model (CONTRACT section 11): every MandateAuthorized of a mission's effective
// stream, and the one in force on a day. A renewal or a new mandate is another event; none
// replaces another in the list.
import { RecordedEvent } from './recorded-event';

export interface Mandate {
  eventId: string;
  authority: string;
  instrument: string;
  /** YYYY-MM-DD */
  adoptedOn: string;
  expiresOn: string | null;
  personnelCeiling: number | null;
  url: string | null;
}

/** A mission's mandates in log order (see sortedMandates for the order people read). */
export type MandatesState = Mandate[];

export const MANDATE_EVENT_TYPES: ReadonlySet<RecordedEvent['type']> = new Set(['MandateAuthorized']);

export const emptyMandates = (): MandatesState => [];

export function mandateOf(event: RecordedEvent & { type: 'MandateAuthorized' }): Mandate {
  const d = event.data;
  return {
    eventId: event.id,
    authority: d.authority,
    instrument: d.instrument,
    adoptedOn: d.adoptedOn,
    expiresOn: d.expiresOn ?? null,
    personnelCeiling: d.personnelCeiling ?? null,
    url: d.url ?? null,
  };
}

export function evolveMandates(state: MandatesState, event: RecordedEvent): MandatesState {
  return event.type === 'MandateAuthorized' ? [...state, mandateOf(event)] : state;
}

/** By adoptedOn; mandates adopted the same day keep their log order. */
export function sortedMandates(mandates: ReadonlyArray<Mandate>): Mandate[] {
  return mandates
    .map((mandate, index) => ({ mandate, index }))
    .sort((a, b) => (a.mandate.adoptedOn === b.mandate.adoptedOn ? a.index - b.index : a.mandate.adoptedOn < b.mandate.adoptedOn ? -1 : 1))
    .map(({ mandate }) => mandate);
}

/**
 * The mandate in force on a day (YYYY-MM-DD): the latest adopted on or before it (of two
 * adopted the same day, the later in the log), unless it expired before that day — then none,
 * even if an older one would still run: the latest decision is what holds.
 */
export function mandateInForce(mandates: ReadonlyArray<Mandate>, day: string): Mandate | null {
  let latest: Mandate | null = null;
  for (const mandate of mandates) if (mandate.adoptedOn <= day && (latest === null || mandate.adoptedOn >= latest.adoptedOn)) latest = mandate;
  return latest !== null && latest.expiresOn !== null && latest.expiresOn < day ? null : latest;
}

/** The personnel ceiling of the mandate in force on the day: null when none is, or it sets none. */
export const authorizedOn = (mandates: ReadonlyArray<Mandate>, day: string): number | null => mandateInForce(mandates, day)?.personnelCeiling ?? null;
