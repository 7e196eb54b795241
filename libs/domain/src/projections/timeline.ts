// Timeline read model: one human sentence per event, the event's source, and its status. A
// corrected or retracted event keeps the summary first reported; its correction is an item
// of its own saying what changed and why.
import { DomainEvent } from '../catalogue';
import { displayName } from '../codes';
import { CorrectionIndex, EventStatus } from '../effective-stream';
import { formatAmount, parseAmount } from '../money';
import { Source } from '../source';
import { RecordedEvent } from './recorded-event';

export interface TimelineItem {
  missionId: string;
  eventId: string;
  position: number;
  version: number;
  type: DomainEvent['type'];
  occurredAt: string;
  summary: string;
  status: EventStatus;
  source?: Source;
  /** The country (or donor, or supporter) the event names: what the timeline's country filter matches. */
  country?: string;
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
      const succeeds = event.data.predecessor ? `, succeeding ${event.data.predecessor}` : '';
      return `Mission established: ${event.data.name} (host ${displayName(event.data.hostCountry)}${lead}${succeeds})`;
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
    case 'MandateAuthorized': {
      const d = event.data;
      const terms = [
        ...(d.personnelCeiling !== undefined ? [`ceiling ${count(d.personnelCeiling)} personnel`] : []),
        ...(d.expiresOn !== undefined ? [`until ${d.expiresOn}`] : []),
      ];
      return `Mandate authorized by ${d.authority}: ${d.instrument}, adopted ${d.adoptedOn}${terms.length > 0 ? ` (${terms.join(', ')})` : ''}`;
    }
    case 'IndicatorRecorded': {
      const d = event.data;
      const [whole, fraction] = formatAmount(parseAmount(d.value)).split('.');
      const period = d.periodStart === d.periodEnd ? d.periodStart : `${d.periodStart} to ${d.periodEnd}`;
      return `Indicator ${d.indicator}: ${groupThousands(whole)}${fraction ? `.${fraction}` : ''} ${d.unit}, ${period}${d.area ? ` (${d.area})` : ''}`;
    }
    // Without the stream, a correction can only say why (missionTimeline says what changed).
    case 'EventRetracted':
      return `Retraction of an earlier event (${event.data.reason})`;
    case 'EventCorrected':
      return `Correction to an earlier event (${event.data.reason})`;
  }
}

/** "Correction to #7: Kenya: 400 → 40 personnel departed (typo in the source)" */
export function summarizeCorrection(correction: DomainEvent, target: { version: number; type: DomainEvent['type']; data: unknown } | undefined): string {
  if (correction.type !== 'EventRetracted' && correction.type !== 'EventCorrected') return summarize(correction);
  if (!target) return summarize(correction);
  const original = summarize({ type: target.type, data: target.data } as DomainEvent);
  if (correction.type === 'EventRetracted') return `Retraction of #${target.version}: ${original} (${correction.data.reason})`;
  const corrected = summarize({ type: target.type, data: correction.data.data } as DomainEvent);
  const change = corrected === original ? `${original}, details corrected` : changeBetween(original, corrected);
  return `Correction to #${target.version}: ${change} (${correction.data.reason})`;
}

/** "Kenya: 400 personnel departed", "Kenya: 40 personnel departed" -> "Kenya: 400 → 40 personnel departed" */
function changeBetween(before: string, after: string): string {
  const a = before.split(' ');
  const b = after.split(' ');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = `${a.slice(head, a.length - tail).join(' ')} → ${b.slice(head, b.length - tail).join(' ')}`;
  return [...a.slice(0, head), middle, ...a.slice(a.length - tail)].join(' ');
}

/** The item of an event appended after everything else the timeline holds (nothing corrects it yet). */
export function timelineItem(event: RecordedEvent): TimelineItem {
  return {
    missionId: event.missionId,
    eventId: event.id,
    position: event.position,
    version: event.version,
    type: event.type,
    occurredAt: event.occurredAt,
    summary: summarize(event),
    status: 'current',
    ...(event.source && { source: event.source }),
    ...(namedParty(event) && { country: namedParty(event) }),
  };
}

function namedParty(event: DomainEvent): string | undefined {
  const data = event.data as { country?: string; donor?: string; supporter?: string };
  return data.country ?? data.donor ?? data.supporter;
}

/** Every item of a mission's whole log (in order), with the status its corrections give each. */
export function missionTimeline(log: ReadonlyArray<RecordedEvent>): TimelineItem[] {
  const corrections = CorrectionIndex.of(log);
  const byId = new Map(log.map((event) => [event.id, event]));
  return log.map((event) => {
    const item = timelineItem(event);
    if (event.type === 'EventRetracted' || event.type === 'EventCorrected') {
      item.summary = summarizeCorrection(event, byId.get(event.data.eventId.toLowerCase()));
    } else {
      item.status = corrections.statusOf(event.id);
    }
    return item;
  });
}
