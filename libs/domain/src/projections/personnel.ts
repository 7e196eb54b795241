// Personnel read model: per mission and per country, against the number required.
import { DomainEvent } from '../catalogue';

export interface CountryPersonnel {
  pledged: number;
  departed: number;
  inTransit: number;
  deployed: number;
  withdrawn: number;
}

export interface PersonnelState {
  required: number;
  byCountry: Record<string, CountryPersonnel>;
}

export type PersonnelTotals = CountryPersonnel & { required: number };

export const PERSONNEL_EVENT_TYPES: ReadonlySet<DomainEvent['type']> = new Set([
  'PersonnelRequirementSet',
  'PersonnelPledged',
  'PledgeRevised',
  'ContingentDeparted',
  'ContingentArrived',
  'PersonnelWithdrawn',
]);

export const emptyCountryPersonnel = (): CountryPersonnel => ({
  pledged: 0,
  departed: 0,
  inTransit: 0,
  deployed: 0,
  withdrawn: 0,
});

export const emptyPersonnel = (): PersonnelState => ({ required: 0, byCountry: {} });

/** One country's counters after one event of that country (pure: returns a new object). */
export function evolveCountryPersonnel(current: CountryPersonnel, event: DomainEvent): CountryPersonnel {
  const c = { ...current };
  switch (event.type) {
    case 'PersonnelPledged':
      c.pledged += event.data.personnel;
      break;
    case 'PledgeRevised':
      c.pledged = event.data.personnel;
      break;
    case 'ContingentDeparted':
      c.departed += event.data.personnel;
      c.inTransit += event.data.personnel;
      break;
    case 'ContingentArrived': {
      // Arrivals first use up personnel in transit; the rest arrived with no recorded
      // departure, so they count as departed too.
      const fromTransit = Math.min(event.data.personnel, c.inTransit);
      c.inTransit -= fromTransit;
      c.departed += event.data.personnel - fromTransit;
      c.deployed += event.data.personnel;
      break;
    }
    case 'PersonnelWithdrawn':
      c.deployed -= event.data.personnel;
      c.withdrawn += event.data.personnel;
      break;
  }
  return c;
}

export function evolvePersonnel(state: PersonnelState, event: DomainEvent): PersonnelState {
  if (event.type === 'PersonnelRequirementSet') return { ...state, required: event.data.required };
  if (!PERSONNEL_EVENT_TYPES.has(event.type) || !('country' in event.data)) return state;
  const country = event.data.country;
  const current = state.byCountry[country] ?? emptyCountryPersonnel();
  return { ...state, byCountry: { ...state.byCountry, [country]: evolveCountryPersonnel(current, event) } };
}

export function personnelTotals(state: PersonnelState): PersonnelTotals {
  const totals: PersonnelTotals = { required: state.required, ...emptyCountryPersonnel() };
  for (const country of Object.values(state.byCountry)) {
    totals.pledged += country.pledged;
    totals.departed += country.departed;
    totals.inTransit += country.inTransit;
    totals.deployed += country.deployed;
    totals.withdrawn += country.withdrawn;
  }
  return totals;
}
