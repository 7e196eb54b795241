// Unit specs for the mandates fold and the mandate in force on a day (CONTRACT section 11).
import { RecordedEvent } from './recorded-event';
import { authorizedOn, emptyMandates, evolveMandates, Mandate, mandateInForce, sortedMandates } from './mandates';

let version = 0;
const authorized = (data: Record<string, unknown>): RecordedEvent =>
  ({
    type: 'MandateAuthorized',
    data: { authority: 'UN Security Council', ...data },
    id: `00000000-0000-4000-8000-${String(++version).padStart(12, '0')}`,
    missionId: 'mss-haiti',
    version,
    position: version,
    occurredAt: `${data.adoptedOn as string}T00:00:00.000Z`,
  }) as RecordedEvent;

// S/RES/2699 authorised the mission for a year; S/RES/2751 renewed it; a gap follows its expiry.
const mandates = [
  authorized({ instrument: 'S/RES/2751 (2024)', adoptedOn: '2024-09-30', expiresOn: '2025-10-02', personnelCeiling: 2500 }),
  authorized({ instrument: 'S/RES/2699 (2023)', adoptedOn: '2023-10-02', expiresOn: '2024-10-02' }),
].reduce(evolveMandates, emptyMandates());

const instrumentOn = (list: Mandate[], day: string) => mandateInForce(list, day)?.instrument ?? null;

describe('mandates', () => {
  it('lists every mandate with absent fields as null, by adoptedOn', () => {
    expect(sortedMandates(mandates).map((m) => [m.instrument, m.expiresOn, m.personnelCeiling, m.url])).toEqual([
      ['S/RES/2699 (2023)', '2024-10-02', null, null],
      ['S/RES/2751 (2024)', '2025-10-02', 2500, null],
    ]);
  });

  it.each([
    ['2023-10-01', null, null], // before the first adoption
    ['2023-10-02', 'S/RES/2699 (2023)', null], // on the adoption day
    ['2024-06-01', 'S/RES/2699 (2023)', null], // between: it sets no ceiling
    ['2024-09-30', 'S/RES/2751 (2024)', 2500], // the renewal's day: the latest adopted wins
    ['2024-10-03', 'S/RES/2751 (2024)', 2500], // after the first one expired
    ['2025-10-02', 'S/RES/2751 (2024)', 2500], // on its expiry day it still runs
    ['2025-10-03', null, null], // after the expiry: none
  ])('on %s the mandate in force is %s, authorizing %s', (day, instrument, ceiling) => {
    expect(instrumentOn(mandates, day)).toBe(instrument);
    expect(authorizedOn(mandates, day)).toBe(ceiling);
  });

  it('of two adopted the same day, the later in the log is in force', () => {
    const twice = [
      authorized({ instrument: 'first', adoptedOn: '2025-09-30', personnelCeiling: 5000 }),
      authorized({ instrument: 'second', adoptedOn: '2025-09-30', personnelCeiling: 5550 }),
    ].reduce(evolveMandates, emptyMandates());
    expect(instrumentOn(twice, '2025-09-30')).toBe('second');
    expect(sortedMandates(twice).map((m) => m.instrument)).toEqual(['first', 'second']);
  });
});
