// History read model (CONTRACT section 10): one point per UTC day on which an effective event
// occurred, each equal to `asOf` of that day — the effective events that occurred by the end
// of the day, folded in log order.
//
// Incremental and exact: the state keeps the figures at the end of every such day. An event
// dated day D comes last in log order, so for every day X >= D, asOf(X) with it is asOf(X)
// without it, then it: the event is applied to the figures of D and of every later day. A day
// that had no point starts from the day before it that has one (no effective event lies in
// between, so asOf is the same). Appending in date order touches one day; an event dated in
// the past touches the days from its own on. Folding a whole effective stream this way from
// empty (a rebuild, a correction's refold, a knownAt read) gives the same days.
import { isCorrectionType, EVENT_TYPES } from '../catalogue';
import { utcDay } from '../occurred-at';
import { emptyFigures, evolveFigures, historyPoint, HistoryPoint, MissionFigures } from './figures';
import { RecordedEvent } from './recorded-event';

export interface HistoryDay {
  /** YYYY-MM-DD */
  day: string;
  figures: MissionFigures;
}

export interface HistoryState {
  /** By day, ascending. Entries a fold does not change are shared with the state it was given. */
  days: HistoryDay[];
  /**
   * The earliest day changed since the state was last written (null: none): what the next
   * write must store, from that day on.
   */
  changedFrom: string | null;
}

/** Every event that reports something makes a point on its day (corrections are never in the effective stream). */
export const HISTORY_EVENT_TYPES: ReadonlySet<RecordedEvent['type']> = new Set(EVENT_TYPES.filter((type) => !isCorrectionType(type)));

export const emptyHistory = (): HistoryState => ({ days: [], changedFrom: null });

/** The index of the first day on or after `day`. */
function firstIndexFrom(days: ReadonlyArray<HistoryDay>, day: string): number {
  let low = 0;
  let high = days.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (days[mid].day < day) low = mid + 1;
    else high = mid;
  }
  return low;
}

const earlier = (a: string | null, b: string): string => (a === null || b < a ? b : a);

/**
 * The history after some events, in log order. Pure as a whole (the state given is left as it
 * is; days the events do not change are shared), but it works on one copy of the day list for
 * all the events: a fold of n events dated in order costs O(n), not the O(n × days) of copying
 * the list for each (what a rebuild, a refold and a knownAt read of a long mission do).
 */
export function evolveHistoryMany(state: HistoryState, events: Iterable<RecordedEvent>): HistoryState {
  let days: HistoryDay[] | undefined;
  let changedFrom = state.changedFrom;
  for (const event of events) {
    const current = days ?? state.days;
    const day = utcDay(event.occurredAt);
    const at = firstIndexFrom(current, day);
    const isNewDay = current[at]?.day !== day;
    const updates: [number, HistoryDay][] = [];
    for (let i = at; i < current.length; i++) {
      const entry = current[i];
      const figures = evolveFigures(entry.figures, event);
      // The same object: this kind of event changes no figure, on any day.
      if (figures === entry.figures) break;
      updates.push([i, { day: entry.day, figures }]);
    }
    // An event that changes no figure on a day that has a point already (a farewell, a
    // declaration of support) leaves the history as it was.
    if (!isNewDay && updates.length === 0) continue;
    days ??= state.days.slice();
    for (const [i, entry] of updates) days[i] = entry;
    if (isNewDay) days.splice(at, 0, { day, figures: evolveFigures(at > 0 ? days[at - 1].figures : emptyFigures(), event) });
    changedFrom = earlier(changedFrom, day);
  }
  return days ? { days, changedFrom } : state;
}

export const evolveHistory = (state: HistoryState, event: RecordedEvent): HistoryState => evolveHistoryMany(state, [event]);

/** The state as the tables hold it once written. */
export const historyWritten = (state: HistoryState): HistoryState => (state.changedFrom === null ? state : { ...state, changedFrom: null });

/** The points of the days in [from, to] (inclusive, YYYY-MM-DD; either may be absent). */
export function historyPoints(state: HistoryState, from?: string, to?: string): HistoryPoint[] {
  return state.days.filter(({ day }) => (from === undefined || day >= from) && (to === undefined || day <= to)).map(({ day, figures }) => historyPoint(day, figures));
}
