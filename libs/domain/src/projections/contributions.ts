// Contributions (CONTRACT section 10): every effective event that changed one figure, with its
// change and the figure after it, so that a reader can see what a total rests on. Folded from
// the effective stream with the read models' own folds: the last running total is the figure
// the read model shows, by construction.
import { DomainEvent } from '../catalogue';
import { EventStatus } from '../effective-stream';
import { formatAmount, parseAmount } from '../money';
import { Source } from '../source';
import { emptyFunding, evolveFunding, FUNDING_EVENT_TYPES, FundingState } from './funding';
import { CountryPersonnel, emptyPersonnel, evolvePersonnel, PERSONNEL_EVENT_TYPES, PersonnelState } from './personnel';
import { RecordedEvent } from './recorded-event';

export const PERSONNEL_FIGURES = ['personnel.required', 'personnel.pledged', 'personnel.departed', 'personnel.inTransit', 'personnel.deployed', 'personnel.withdrawn'] as const;
export const FUNDING_FIGURES = ['funding.pledged', 'funding.committed', 'funding.disbursed'] as const;
export const FIGURES = [...PERSONNEL_FIGURES, ...FUNDING_FIGURES] as const;
export type Figure = (typeof FIGURES)[number];

export const isFigure = (value: string): value is Figure => (FIGURES as readonly string[]).includes(value);
export const isFundingFigure = (figure: Figure): figure is (typeof FUNDING_FIGURES)[number] => figure.startsWith('funding.');

/** Which figure: a personnel figure of the mission or of one country; a funding figure in one currency, of all donors or one. */
export interface FigureQuery {
  figure: Figure;
  country?: string;
  donor?: string;
  currency?: string;
}

export interface ContributionItem {
  eventId: string;
  position: number;
  version: number;
  type: DomainEvent['type'];
  occurredAt: string;
  /** Counts as integers, money as decimal strings (negative when the event lowered the figure). */
  delta: number | string;
  runningTotal: number | string;
  /** Effective events only: a retracted event changes no figure. */
  status: Exclude<EventStatus, 'retracted'>;
  source?: Source;
}

export interface Contributions {
  total: number | string;
  items: ContributionItem[];
}

type EffectiveEvent = RecordedEvent & { status: Exclude<EventStatus, 'retracted'> };

/** The figure's contributions over a mission's effective stream (in log order). */
export function contributions(effective: Iterable<EffectiveEvent>, query: FigureQuery): Contributions {
  return isFundingFigure(query.figure) ? fundingContributions(effective, query) : personnelContributions(effective, query);
}

function personnelContributions(effective: Iterable<EffectiveEvent>, query: FigureQuery): Contributions {
  const field = query.figure.slice('personnel.'.length) as keyof CountryPersonnel | 'required';
  const figureOf = (state: PersonnelState): number => {
    if (field === 'required') return state.required;
    if (query.country !== undefined) return state.byCountry[query.country]?.[field] ?? 0;
    let sum = 0;
    for (const country of Object.values(state.byCountry)) sum += country[field];
    return sum;
  };
  let state = emptyPersonnel();
  let total = 0;
  const items: ContributionItem[] = [];
  for (const event of effective) {
    if (!PERSONNEL_EVENT_TYPES.has(event.type)) continue;
    if (query.country !== undefined && 'country' in event.data && event.data.country !== query.country) continue;
    state = evolvePersonnel(state, event);
    const after = figureOf(state);
    if (after !== total) items.push(itemOf(event, after - total, after));
    total = after;
  }
  return { total, items };
}

function fundingContributions(effective: Iterable<EffectiveEvent>, query: FigureQuery): Contributions {
  const field = query.figure.slice('funding.'.length) as 'pledged' | 'committed' | 'disbursed';
  const figureOf = (state: FundingState): bigint => {
    let sum = 0n;
    for (const donor of Object.values(state.byDonor)) {
      if (donor.currency === query.currency && (query.donor === undefined || donor.donor === query.donor)) sum += parseAmount(donor[field]);
    }
    return sum;
  };
  let state = emptyFunding();
  let total = 0n;
  const items: ContributionItem[] = [];
  for (const event of effective) {
    if (!FUNDING_EVENT_TYPES.has(event.type) || !('currency' in event.data)) continue;
    // Events of other currencies or donors cannot move this figure: not folded at all.
    if (event.data.currency !== query.currency || (query.donor !== undefined && event.data.donor !== query.donor)) continue;
    state = evolveFunding(state, event);
    const after = figureOf(state);
    if (after !== total) items.push(itemOf(event, formatAmount(after - total), formatAmount(after)));
    total = after;
  }
  return { total: formatAmount(total), items };
}

function itemOf(event: EffectiveEvent, delta: number | string, runningTotal: number | string): ContributionItem {
  return {
    eventId: event.id,
    position: event.position,
    version: event.version,
    type: event.type,
    occurredAt: event.occurredAt,
    delta,
    runningTotal,
    status: event.status,
    ...(event.source && { source: event.source }),
  };
}
