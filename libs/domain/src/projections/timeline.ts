// Timeline read model: one human sentence per event.
import { DomainEvent } from '../catalogue';
import { displayName } from '../codes';
import { formatAmount, parseAmount } from '../money';
import { RecordedEvent } from './recorded-event';

export interface TimelineItem {
  missionId: string;
  position: number;
  version: number;
  type: DomainEvent['type'];
  occurredAt: string;
  summary: string;
}

/** "1234567" -> "1,234,567" (toLocaleString is far slower, and timelines are rebuilt often). */
const groupThousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const count = (n: number) => groupThousands(String(n));
const money = (amount: string, currency: string) => {
  const [whole, fraction] = formatAmount(parseAmount(amount)).split('.');
  return `${currency} ${groupThousands(whole)}${fraction ? `.${fraction}` : ''}`;
};

/** "Kenya: 400 personnel departed" */
export function summarize(event: DomainEvent): string {
  switch (event.type) {
    case 'MissionEstablished': {
      const lead = event.data.leadNation ? `, led by ${displayName(event.data.leadNation)}` : '';
      return `Mission established: ${event.data.name} (host ${displayName(event.data.hostCountry)}${lead})`;
    }
    case 'PersonnelRequirementSet':
      return `Personnel requirement set to ${count(event.data.required)}`;
    case 'PersonnelPledged':
      return `${displayName(event.data.country)} pledged ${count(event.data.personnel)} ${event.data.personnelType ? `${event.data.personnelType} ` : ''}personnel`;
    case 'PledgeRevised':
      return event.data.personnel === 0
        ? `${displayName(event.data.country)} withdrew its personnel pledge`
        : `${displayName(event.data.country)} revised its pledge to ${count(event.data.personnel)} personnel`;
    case 'FarewellHeld': {
      const by = event.data.officiant ? ` by ${event.data.officiant}` : '';
      const at = event.data.location ? ` in ${event.data.location}` : '';
      return `${displayName(event.data.country)}: farewell held${by}${at} for ${count(event.data.personnel)} personnel`;
    }
    case 'ContingentDeparted':
      return `${displayName(event.data.country)}: ${count(event.data.personnel)} personnel departed`;
    case 'ContingentArrived':
      return `${displayName(event.data.country)}: ${count(event.data.personnel)} personnel arrived`;
    case 'PersonnelWithdrawn':
      return `${displayName(event.data.country)}: ${count(event.data.personnel)} personnel withdrawn`;
    case 'FundingPledged':
      return `${displayName(event.data.donor)} pledged ${money(event.data.amount, event.data.currency)}`;
    case 'FundingPledgeRevised':
      return `${displayName(event.data.donor)} revised its pledge to ${money(event.data.amount, event.data.currency)}`;
    case 'FundingCommitted':
      return `${displayName(event.data.donor)} committed ${money(event.data.amount, event.data.currency)}`;
    case 'FundingDisbursed':
      return `${displayName(event.data.donor)} disbursed ${money(event.data.amount, event.data.currency)}`;
    case 'SupportDeclared':
      return `${displayName(event.data.supporter)} declared support`;
  }
}

export function timelineItem(event: RecordedEvent): TimelineItem {
  return {
    missionId: event.missionId,
    position: event.position,
    version: event.version,
    type: event.type,
    occurredAt: event.occurredAt,
    summary: summarize(event),
  };
}
