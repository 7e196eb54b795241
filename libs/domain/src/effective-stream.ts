// The effective stream (CONTRACT section 10): the log with every correction applied and the
// corrections themselves left out. A retracted event is as if it had never been appended; a
// corrected one carries the latest correction's data (same type, occurredAt and place in the
// log). The log itself never changes. Everything that folds a mission — the write side's
// rules, every projection, `asOf`, `knownAt`, history and contributions — folds this.
import { DomainEvent, EventData, isCorrectionType } from './catalogue';

/** What the effective stream needs of a logged event (anything more is carried through). */
export interface IdentifiedEvent {
  /** The id the log gave it (a UUID, compared in lower case). */
  id: string;
  type: DomainEvent['type'];
  data: unknown;
}

export type EventStatus = 'current' | 'corrected' | 'retracted';

/** The latest correction of one event. */
export interface CorrectionRecord {
  kind: 'retracted' | 'corrected';
  /** The correcting event. */
  by: IdentifiedEvent;
  reason: string;
  /** For `corrected`: the data the event is to carry. */
  data?: Record<string, unknown>;
}

type RetractedData = EventData<'EventRetracted'>;
type CorrectedData = EventData<'EventCorrected'>;

/** What the corrections of a stream say of its events. Feed it the log in order. */
export class CorrectionIndex {
  private readonly latest = new Map<string, CorrectionRecord>();

  static of(log: Iterable<IdentifiedEvent>): CorrectionIndex {
    const index = new CorrectionIndex();
    for (const event of log) index.add(event);
    return index;
  }

  /** Records the event if it is a correction (a later one of the same target replaces an earlier). */
  add(event: IdentifiedEvent): void {
    if (!isCorrectionType(event.type)) return;
    const data = event.data as RetractedData | CorrectedData;
    const target = data.eventId.toLowerCase();
    if (event.type === 'EventRetracted') this.latest.set(target, { kind: 'retracted', by: event, reason: data.reason });
    else this.latest.set(target, { kind: 'corrected', by: event, reason: data.reason, data: (data as CorrectedData).data });
  }

  get size(): number {
    return this.latest.size;
  }

  correctionOf(id: string): CorrectionRecord | undefined {
    return this.latest.get(id.toLowerCase());
  }

  statusOf(id: string): EventStatus {
    const correction = this.correctionOf(id);
    return correction === undefined ? 'current' : correction.kind;
  }

  /**
   * The event as the effective stream holds it: undefined for a correction or a retracted
   * event, the event with the corrected data for a corrected one, the event itself otherwise.
   */
  apply<E extends IdentifiedEvent>(event: E): (E & { status: 'current' | 'corrected' }) | undefined {
    if (isCorrectionType(event.type)) return undefined;
    const correction = this.correctionOf(event.id);
    if (correction === undefined) return { ...event, status: 'current' };
    if (correction.kind === 'retracted') return undefined;
    return { ...event, data: correction.data, status: 'corrected' };
  }
}

/** The effective stream of a log given in order (see the top of this file). */
export function effectiveStream<E extends IdentifiedEvent>(log: ReadonlyArray<E>): (E & { status: 'current' | 'corrected' })[] {
  const index = CorrectionIndex.of(log);
  const effective: (E & { status: 'current' | 'corrected' })[] = [];
  for (const event of log) {
    const applied = index.apply(event);
    if (applied) effective.push(applied);
  }
  return effective;
}
