// The benchmark's events: a realistic mix that never breaks a domain rule.
const COUNTRIES = ['KEN', 'USA', 'CAN', 'JAM', 'BHS', 'BGD', 'BEN', 'TCD'];

/** Missions (streams) the events are spread over. */
export const MISSIONS = 200;

export const missionId = (i: number) => `bench-${i % MISSIONS}`;

export function benchEvent(i: number) {
  const country = COUNTRIES[i % COUNTRIES.length];
  switch (i % 5) {
    case 0:
      return { type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country, personnel: 1 + (i % 50) } };
    case 1:
      return { type: 'ContingentDeparted', occurredAt: '2024-06-24T18:00:00Z', data: { country, personnel: 1 + (i % 40) } };
    case 2:
      return { type: 'ContingentArrived', occurredAt: '2024-06-25T09:00:00Z', data: { country, personnel: 1 + (i % 30) } };
    case 3:
      return { type: 'FundingPledged', occurredAt: '2024-02-01', data: { donor: country, amount: `${1000 + i}.25`, currency: 'USD' } };
    default:
      return { type: 'FarewellHeld', occurredAt: '2024-06-24', data: { country, personnel: 10, location: 'Nairobi' } };
  }
}

export const establish = (i: number) => ({
  expectedVersion: 0,
  events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Bench mission ${i}`, hostCountry: 'HTI' } }],
});
