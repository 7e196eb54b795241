// An import line and the event the log holds for it must give the same content key; events
// that differ in what happened must not.
import { contentKey } from './event-content';

const departed = { type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } };

describe('contentKey', () => {
  it('is the same for a line and the stored event: a date is its midnight UTC, fields in any order', () => {
    const stored = { type: 'ContingentDeparted', occurredAt: '2024-06-24T00:00:00.000Z', data: { personnel: 400, country: 'KEN' } };
    expect(contentKey(stored)).toBe(contentKey(departed));
    expect(contentKey({ ...departed, occurredAt: '2024-06-24T03:00:00+03:00' })).toBe(contentKey(departed));
  });

  it('differs when the type, the instant or any data differ', () => {
    const keys = [
      departed,
      { ...departed, type: 'ContingentArrived' },
      { ...departed, occurredAt: '2024-06-25' },
      { ...departed, data: { country: 'KEN', personnel: 40 } },
      { ...departed, data: { country: 'KEN', personnel: 400, contingentId: 'c-1' } },
      { ...departed, data: { country: 'KEN', personnel: '400' } },
    ].map(contentKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
