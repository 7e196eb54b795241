// The load test's events: every type that cannot break a domain rule (no withdrawals, which
// can be refused under concurrency), each tagged with a unique `metadata.correlationId` so
// the log can be matched against what was sent and what was acknowledged.
const COUNTRIES = ['KEN', 'USA', 'CAN', 'JAM', 'BHS', 'BGD', 'BEN', 'TCD'];
const DONORS = ['USA', 'CAN', 'UN Trust Fund', 'European Union'];
const CURRENCIES = ['USD', 'EUR', 'CAD'];
/** Half the requests carry one event, the others small batches. */
const BATCH_SIZES = [1, 1, 1, 1, 2, 3, 5, 10];

export const loadMissionId = (i: number) => `load-${i}`;

export const establishLoadMission = (i: number) => ({
  expectedVersion: 0,
  events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Load mission ${i}`, hostCountry: 'HTI', leadNation: 'KEN' } }],
});

export function loadEvent(n: number, correlationId: string) {
  const country = COUNTRIES[n % COUNTRIES.length];
  const donor = DONORS[n % DONORS.length];
  const currency = CURRENCIES[(n >> 2) % CURRENCIES.length];
  const amount = `${1 + (n % 997)}${n % 3 === 0 ? `.${n % 100}` : ''}`;
  const occurredAt = `2024-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
  const data = [
    { type: 'PersonnelRequirementSet', data: { required: 1000 + (n % 9000) } },
    { type: 'PersonnelPledged', data: { country, personnel: 1 + (n % 50), personnelType: 'police' } },
    { type: 'PledgeRevised', data: { country, personnel: n % 200 } },
    { type: 'FarewellHeld', data: { country, personnel: 1 + (n % 40), location: 'Nairobi' } },
    { type: 'ContingentDeparted', data: { country, personnel: 1 + (n % 40) } },
    { type: 'ContingentArrived', data: { country, personnel: 1 + (n % 30) } },
    { type: 'FundingPledged', data: { donor, amount, currency, channel: 'trust-fund' } },
    { type: 'FundingPledgeRevised', data: { donor, amount: n % 10 === 0 ? '0' : amount, currency } },
    { type: 'FundingCommitted', data: { donor, amount, currency } },
    { type: 'FundingDisbursed', data: { donor, amount, currency } },
    { type: 'SupportDeclared', data: { supporter: n % 2 ? country : donor } },
  ][n % 11];
  return { ...data, occurredAt, metadata: { correlationId } };
}

export const batchSize = (request: number) => BATCH_SIZES[request % BATCH_SIZES.length];
