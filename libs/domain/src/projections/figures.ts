// What a mission's figures are at one moment of the world: personnel, funding and mandates,
// folded together. A history point is this at the end of a day; an `asOf` read folds the same
// (personnel with its mandates, for `authorized`), so the two cannot disagree.
import { CurrencyFunding, emptyFunding, evolveFunding, FUNDING_EVENT_TYPES, fundingByCurrency, fundingByDonor, FundingState } from './funding';
import { authorizedOn, emptyMandates, evolveMandates, MANDATE_EVENT_TYPES, MandatesState } from './mandates';
import { emptyPersonnel, evolvePersonnel, PERSONNEL_EVENT_TYPES, PersonnelState, personnelTotals } from './personnel';
import { RecordedEvent } from './recorded-event';

export interface MissionFigures {
  personnel: PersonnelState;
  funding: FundingState;
  mandates: MandatesState;
}

export const emptyFigures = (): MissionFigures => ({ personnel: emptyPersonnel(), funding: emptyFunding(), mandates: emptyMandates() });

/** The figures after one event; the same object when the event changes none of them. */
export function evolveFigures(state: MissionFigures, event: RecordedEvent): MissionFigures {
  if (PERSONNEL_EVENT_TYPES.has(event.type)) return { ...state, personnel: evolvePersonnel(state.personnel, event) };
  if (FUNDING_EVENT_TYPES.has(event.type)) return { ...state, funding: evolveFunding(state.funding, event) };
  if (MANDATE_EVENT_TYPES.has(event.type)) return { ...state, mandates: evolveMandates(state.mandates, event) };
  return state;
}

/** The personnel totals of a day, with the ceiling of the mandate in force that day. */
export interface PersonnelOnDay {
  required: number;
  authorized: number | null;
  pledged: number;
  departed: number;
  inTransit: number;
  deployed: number;
  withdrawn: number;
}

export function personnelOnDay(personnel: PersonnelState, mandates: MandatesState, day: string): PersonnelOnDay {
  const { required, pledged, departed, inTransit, deployed, withdrawn } = personnelTotals(personnel);
  return { required, authorized: authorizedOn(mandates, day), pledged, departed, inTransit, deployed, withdrawn };
}

/**
 * A view at a date shows a negative count when reports were dated inconsistently (a withdrawal
 * dated before the arrival it withdraws): the rules are checked in log order, not date order.
 * Any country's counter below zero makes the view inconsistent, even when the totals hide it.
 */
export function hasNegativeCount(personnel: PersonnelState): boolean {
  return Object.values(personnel.byCountry).some((c) => c.pledged < 0 || c.departed < 0 || c.inTransit < 0 || c.deployed < 0 || c.withdrawn < 0);
}

/** One point of the history (CONTRACT section 10): the figures at the end of `date`. */
export interface HistoryPoint {
  /** YYYY-MM-DD */
  date: string;
  personnel: PersonnelOnDay;
  funding: CurrencyFunding[];
  inconsistent: boolean;
}

export function historyPoint(date: string, figures: MissionFigures): HistoryPoint {
  return {
    date,
    personnel: personnelOnDay(figures.personnel, figures.mandates, date),
    funding: fundingByCurrency(fundingByDonor(figures.funding)),
    inconsistent: hasNegativeCount(figures.personnel),
  };
}
