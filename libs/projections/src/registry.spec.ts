// The runner keeps the states it wrote and hands them to later folds (state-cache.ts): a fold
// that changed the state it was given would change what the cache holds, while the tables
// keep what was committed. So every projection whose states are carried over must leave its
// input as it was: checked here on deeply frozen states (a write to one throws).
import { RecordedEvent } from '@app/domain';
import { PROJECTION_NAMES, PROJECTIONS } from './registry';

const data: Record<string, object> = {
  MissionEstablished: { name: 'MSS Haiti', hostCountry: 'HTI', leadNation: 'KEN' },
  PersonnelRequirementSet: { required: 2500 },
  PersonnelPledged: { country: 'KEN', personnel: 1000 },
  PledgeRevised: { country: 'KEN', personnel: 800 },
  FarewellHeld: { country: 'KEN', personnel: 400 },
  ContingentDeparted: { country: 'KEN', personnel: 400 },
  ContingentArrived: { country: 'KEN', personnel: 400 },
  PersonnelWithdrawn: { country: 'KEN', personnel: 10 },
  FundingPledged: { donor: 'USA', amount: '300000000', currency: 'USD' },
  FundingPledgeRevised: { donor: 'USA', amount: '200000000', currency: 'USD' },
  FundingCommitted: { donor: 'USA', amount: '100000000', currency: 'USD' },
  FundingDisbursed: { donor: 'USA', amount: '50000000', currency: 'USD' },
  SupportDeclared: { supporter: 'JAM' },
  MandateAuthorized: { authority: 'UN Security Council', instrument: 'S/RES/2699 (2023)', adoptedOn: '2023-10-02', personnelCeiling: 2500 },
  IndicatorRecorded: { indicator: 'homicides', value: '1234', unit: 'people', periodStart: '2024-01-01', periodEnd: '2024-03-31' },
  EventCorrected: { eventId: '00000000-0000-4000-8000-000000000007', data: { country: 'KEN', personnel: 40 }, reason: 'typo' },
  EventRetracted: { eventId: '00000000-0000-4000-8000-000000000008', reason: 'reported twice' },
};

const events = Object.entries(data).map(
  ([type, eventData], i) => ({ type, data: eventData, id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, missionId: 'mss-haiti', version: i + 1, position: i + 1, occurredAt: '2024-06-25T09:00:00.000Z' }) as RecordedEvent,
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('folds of the projections whose states are carried from step to step', () => {
  it('cover every event type of the catalogue here', () => {
    for (const name of PROJECTION_NAMES) for (const type of PROJECTIONS[name].handles) expect(Object.keys(data)).toContain(type);
  });

  it.each(PROJECTION_NAMES.filter((name) => !PROJECTIONS[name].appendOnly))('%s never changes the state it is given', (name) => {
    const projection = PROJECTIONS[name];
    let state = deepFreeze(projection.initial());
    for (const event of events.filter((e) => projection.handles.has(e.type))) {
      const before = JSON.stringify(state);
      const next = projection.evolve(state, event);
      expect(JSON.stringify(state)).toBe(before);
      state = deepFreeze(next);
    }
  });
});
