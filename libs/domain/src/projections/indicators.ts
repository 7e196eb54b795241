// Outcome indicators read model (CONTRACT section 11): per indicator, its unit and its points.
// A point is one (indicator, periodStart, periodEnd, area): recorded again, the latest in the
// log replaces it (a revision). The write side keeps one unit per indicator, so the unit of
// any point is the indicator's.
import { formatAmount, parseAmount } from '../money';
import { RecordedEvent } from './recorded-event';

export interface IndicatorPoint {
  indicator: string;
  unit: string;
  periodStart: string;
  periodEnd: string;
  area: string | null;
  /** Exact decimal string. */
  value: string;
  eventId: string;
}

/** Keyed by pointKey: the state a fold carries (plain objects: the projections' states are JSON). */
export type IndicatorsState = Record<string, IndicatorPoint>;

export interface IndicatorSeries {
  indicator: string;
  unit: string;
  points: { periodStart: string; periodEnd: string; area: string | null; value: string; eventId: string }[];
}

export const INDICATOR_EVENT_TYPES: ReadonlySet<RecordedEvent['type']> = new Set(['IndicatorRecorded']);

export const emptyIndicators = (): IndicatorsState => ({});

export const pointKey = (indicator: string, periodStart: string, periodEnd: string, area: string | null): string =>
  [indicator, periodStart, periodEnd, area ?? ''].join('\u0000');

export function evolveIndicators(state: IndicatorsState, event: RecordedEvent): IndicatorsState {
  if (event.type !== 'IndicatorRecorded') return state;
  const d = event.data;
  const point: IndicatorPoint = {
    indicator: d.indicator,
    unit: d.unit,
    periodStart: d.periodStart,
    periodEnd: d.periodEnd,
    area: d.area ?? null,
    value: formatAmount(parseAmount(d.value)),
    eventId: event.id,
  };
  return { ...state, [pointKey(point.indicator, point.periodStart, point.periodEnd, point.area)]: point };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The answer's shape: indicators by name, points by periodStart, periodEnd, then area (a
 * point without an area first). `asOf` (YYYY-MM-DD) keeps the points whose period ended by then.
 */
export function indicatorSeries(state: IndicatorsState, asOf?: string): IndicatorSeries[] {
  const byIndicator = new Map<string, IndicatorSeries>();
  const points = Object.values(state)
    .filter((p) => asOf === undefined || p.periodEnd <= asOf)
    .sort(
      (a, b) =>
        compareText(a.indicator, b.indicator) ||
        compareText(a.periodStart, b.periodStart) ||
        compareText(a.periodEnd, b.periodEnd) ||
        compareText(a.area ?? '', b.area ?? ''),
    );
  for (const p of points) {
    let series = byIndicator.get(p.indicator);
    if (!series) byIndicator.set(p.indicator, (series = { indicator: p.indicator, unit: p.unit, points: [] }));
    series.points.push({ periodStart: p.periodStart, periodEnd: p.periodEnd, area: p.area, value: p.value, eventId: p.eventId });
  }
  return [...byIndicator.values()];
}
