// Unit specs for the timeline fold: one human sentence per event, for every event type.
import { DomainEvent, EVENT_TYPES, EventType } from '../catalogue';
import { RecordedEvent } from './recorded-event';
import { missionTimeline, summarize, timelineItem } from './timeline';

/** Per event type (a Record, so a new type does not compile until it has its sentences): data → summary. */
const SUMMARIES: { [T in EventType]: [Extract<DomainEvent, { type: T }>['data'], string][] } = {
  MissionEstablished: [
    [{ name: 'MSS', hostCountry: 'HTI', leadNation: 'KEN' }, 'Mission established: MSS (host Haiti, led by Kenya)'],
    [{ name: 'MSS', hostCountry: 'HTI' }, 'Mission established: MSS (host Haiti)'],
    [{ name: 'GSF', hostCountry: 'HTI', predecessor: 'mss-haiti' }, 'Mission established: GSF (host Haiti, succeeding mss-haiti)'],
  ],
  MandateAuthorized: [
    [{ authority: 'UN Security Council', instrument: 'S/RES/2699 (2023)', adoptedOn: '2023-10-02' }, 'Mandate authorized by UN Security Council: S/RES/2699 (2023), adopted 2023-10-02'],
    [
      { authority: 'UN Security Council', instrument: 'S/RES/2793 (2025)', adoptedOn: '2025-09-30', expiresOn: '2026-10-01', personnelCeiling: 5550 },
      'Mandate authorized by UN Security Council: S/RES/2793 (2025), adopted 2025-09-30 (ceiling 5,550 personnel, until 2026-10-01)',
    ],
  ],
  IndicatorRecorded: [
    [{ indicator: 'homicides', value: '1234.50', unit: 'people', periodStart: '2024-01-01', periodEnd: '2024-03-31', area: 'Ouest' }, 'Indicator homicides: 1,234.5 people, 2024-01-01 to 2024-03-31 (Ouest)'],
    [{ indicator: 'displaced-people', value: '0', unit: 'people', periodStart: '2024-06-30', periodEnd: '2024-06-30' }, 'Indicator displaced-people: 0 people, 2024-06-30'],
  ],
  PersonnelRequirementSet: [[{ required: 2500 }, 'Personnel requirement set to 2,500']],
  PersonnelPledged: [
    [{ country: 'KEN', personnel: 1000 }, 'Kenya pledged 1,000 personnel'],
    [{ country: 'JAM', personnel: 24, personnelType: 'police' }, 'Jamaica pledged 24 police personnel'],
  ],
  PledgeRevised: [
    [{ country: 'KEN', personnel: 800 }, 'Kenya revised its pledge to 800 personnel'],
    [{ country: 'BHS', personnel: 0 }, 'Bahamas withdrew its personnel pledge'],
  ],
  FarewellHeld: [
    [{ country: 'KEN', personnel: 400 }, 'Kenya: farewell held for 400 personnel'],
    [{ country: 'KEN', personnel: 400, officiant: 'President Ruto', location: 'Nairobi' }, 'Kenya: farewell held by President Ruto in Nairobi for 400 personnel'],
  ],
  ContingentDeparted: [[{ country: 'KEN', personnel: 400 }, 'Kenya: 400 personnel departed']],
  ContingentArrived: [[{ country: 'KEN', personnel: 1234567 }, 'Kenya: 1,234,567 personnel arrived']],
  PersonnelWithdrawn: [[{ country: 'KEN', personnel: 50 }, 'Kenya: 50 personnel withdrawn']],
  FundingPledged: [
    [{ donor: 'USA', amount: '300000000', currency: 'USD' }, 'United States of America pledged USD 300,000,000'],
    [{ donor: 'Gates Foundation', amount: '1234.50', currency: 'EUR' }, 'Gates Foundation pledged EUR 1,234.5'],
  ],
  FundingPledgeRevised: [[{ donor: 'USA', amount: '0', currency: 'USD' }, 'United States of America revised its pledge to USD 0']],
  FundingCommitted: [[{ donor: 'CAN', amount: '0.0001', currency: 'CAD' }, 'Canada committed CAD 0.0001']],
  FundingDisbursed: [[{ donor: 'USA', amount: '1000000.25', currency: 'USD' }, 'United States of America disbursed USD 1,000,000.25']],
  SupportDeclared: [[{ supporter: 'CAN', statement: 'We stand with Haiti.' }, 'Canada declared support']],
  // Alone (without the stream) a correction says why; missionTimeline says what changed.
  EventRetracted: [[{ eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10', reason: 'reported twice' }, 'Retraction of an earlier event (reported twice)']],
  EventCorrected: [
    [{ eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10', data: { country: 'KEN', personnel: 40 }, reason: 'typo' }, 'Correction to an earlier event (typo)'],
  ],
};

const cases = (Object.entries(SUMMARIES) as [EventType, [DomainEvent['data'], string][]][]).flatMap(([type, examples]) =>
  examples.map(([data, summary]) => ({ event: { type, data } as DomainEvent, summary })),
);

describe('timeline fold', () => {
  it('has sentences for every event type', () => {
    expect(Object.keys(SUMMARIES).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(cases)('$event.type: "$summary"', ({ event, summary }) => {
    // given an event of this type, when it is summarised, then it reads as this sentence
    expect(summarize(event)).toBe(summary);
  });

  it('makes one item per recorded event, keeping where and when it was recorded', () => {
    // given a recorded departure
    const event: RecordedEvent = {
      type: 'ContingentDeparted',
      data: { country: 'KEN', personnel: 400 },
      id: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10',
      missionId: 'mss-haiti',
      version: 3,
      position: 42,
      occurredAt: '2026-11-28T10:00:00.000Z',
    };
    // when it becomes a timeline item
    // then the item carries the event's coordinates and its sentence
    expect(timelineItem(event)).toEqual({
      missionId: 'mss-haiti',
      eventId: '0b8c0a52-6f5e-4a53-9d5e-2d0c1f7f8a10',
      position: 42,
      version: 3,
      type: 'ContingentDeparted',
      occurredAt: '2026-11-28T10:00:00.000Z',
      summary: 'Kenya: 400 personnel departed',
      status: 'current',
      country: 'KEN',
    });
  });

  it('marks corrected and retracted items, keeps their first summary, and says what each correction changed and why', () => {
    // given a stream where #2 is corrected (400 -> 40) and #3 retracted
    const at = (version: number) => ({ id: `00000000-0000-4000-8000-00000000000${version}`, missionId: 'm', version, position: version * 10, occurredAt: '2024-06-24T00:00:00.000Z' });
    const log: RecordedEvent[] = [
      { ...at(1), type: 'MissionEstablished', data: { name: 'MSS', hostCountry: 'HTI' } },
      { ...at(2), type: 'ContingentDeparted', data: { country: 'KEN', personnel: 400 } },
      { ...at(3), type: 'FundingPledged', data: { donor: 'USA', amount: '300000000', currency: 'USD' }, source: { publisher: 'Example (made-up)' } },
      { ...at(4), type: 'EventCorrected', data: { eventId: at(2).id, data: { country: 'KEN', personnel: 40 }, reason: 'typo in the source' } },
      { ...at(5), type: 'EventRetracted', data: { eventId: at(3).id.toUpperCase(), reason: 'reported twice' } },
    ];
    // when the mission's timeline is folded whole
    const items = missionTimeline(log);
    // then statuses follow the corrections, and each correction has its own sentence
    expect(items.map((i) => [i.version, i.status, i.summary])).toEqual([
      [1, 'current', 'Mission established: MSS (host Haiti)'],
      [2, 'corrected', 'Kenya: 400 personnel departed'],
      [3, 'retracted', 'United States of America pledged USD 300,000,000'],
      [4, 'current', 'Correction to #2: Kenya: 400 → 40 personnel departed (typo in the source)'],
      [5, 'current', 'Retraction of #3: United States of America pledged USD 300,000,000 (reported twice)'],
    ]);
    expect(items[2].source).toEqual({ publisher: 'Example (made-up)' });
  });
});
