// @ts-check
// Number, money and date formatting for people: 5,000 and "300,000,000 USD", 24 Jun 2024.
// Money stays a decimal string from the API to the screen (never a float).

const integer = new Intl.NumberFormat('en-US');
const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const instant = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

export const formatCount = (n) => integer.format(n);

/** "300000000.0000" → "300,000,000"; "5.7000" → "5.70": grouped digits, cents kept, by string. */
export function formatAmount(amount) {
  const [whole, fraction = ''] = String(amount).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const significant = fraction.replace(/0+$/, '');
  const cents = significant ? '.' + significant.padEnd(2, '0') : '';
  return (negative ? '-' : '') + grouped + cents;
}

export const formatMoney = (amount, currency) => `${formatAmount(amount)} ${currency}`;

/** Midnight UTC is a date as the operator gave it; any other instant shows its time too. */
export function formatOccurred(iso) {
  const date = new Date(iso);
  return date.getUTCHours() === 0 && date.getUTCMinutes() === 0 ? day.format(date) : instant.format(date);
}

export const formatDay = (isoDate) => day.format(new Date(`${isoDate}T00:00:00Z`));
export const formatInstant = (iso) => (iso ? instant.format(new Date(iso)) : '—');

/** Axis ticks only (the tables carry the exact figures): 1.5k, 300M. */
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
export const formatTick = (n) => compact.format(n);

/** What readers call each event type (the API's type names are for programs). */
const EVENT_LABELS = {
  MissionEstablished: 'Mission established',
  PersonnelRequirementSet: 'Requirement set',
  PersonnelPledged: 'Personnel pledged',
  PledgeRevised: 'Pledge revised',
  FarewellHeld: 'Farewell',
  ContingentDeparted: 'Departure',
  ContingentArrived: 'Arrival',
  PersonnelWithdrawn: 'Withdrawal',
  FundingPledged: 'Funding pledged',
  FundingPledgeRevised: 'Funding pledge revised',
  FundingCommitted: 'Funding committed',
  FundingDisbursed: 'Disbursement',
  SupportDeclared: 'Support declared',
  EventRetracted: 'Retraction',
  EventCorrected: 'Correction',
};
export const eventLabel = (type) => EVENT_LABELS[type] ?? type;

/** A change, signed: "+400", "−300" (a true minus sign), "+1,500.50". */
export function formatDelta(delta, isMoney) {
  const text = isMoney ? formatAmount(delta) : formatCount(delta);
  return text.startsWith('-') ? `−${text.slice(1)}` : `+${text}`;
}
