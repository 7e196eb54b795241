// Unit specs for occurredAt: an ISO 8601 date (00:00 UTC) or date-time; and asOf's end of day.
import { endOfDay, parseOccurredAt } from './occurred-at';

describe('parseOccurredAt', () => {
  describe('given a date', () => {
    it.each([
      ['2024-06-24', '2024-06-24T00:00:00.000Z'],
      ['2024-02-29', '2024-02-29T00:00:00.000Z'],
      ['2000-02-29', '2000-02-29T00:00:00.000Z'],
      ['2024-12-31', '2024-12-31T00:00:00.000Z'],
      ['1970-01-01', '1970-01-01T00:00:00.000Z'],
    ])('reads %j as 00:00 UTC that day (%s)', (text, iso) => {
      const instant = parseOccurredAt(text);
      expect(instant).toBeInstanceOf(Date);
      expect(instant?.toISOString()).toBe(iso);
    });

    it.each(['2024-13-01', '2024-00-10', '2024-02-30', '2023-02-29', '1900-02-29', '2024-04-31', '2024-06-00', '2024-6-24', '24-06-24', '2024/06/24'])(
      'rejects %j',
      (text) => {
        expect(parseOccurredAt(text)).toBeNull();
      },
    );
  });

  describe('given a date-time', () => {
    it.each([
      ['2024-06-24T18:00:00Z', '2024-06-24T18:00:00.000Z'],
      ['2024-06-24T18:00:00.123Z', '2024-06-24T18:00:00.123Z'],
      ['2024-06-24T18:00:00.5Z', '2024-06-24T18:00:00.500Z'],
      ['2024-06-24T18:00:00.123456789Z', '2024-06-24T18:00:00.123Z'],
      ['2024-06-24T18:00Z', '2024-06-24T18:00:00.000Z'],
      ['2024-06-24T18:00', '2024-06-24T18:00:00.000Z'],
      ['2024-06-24T18:00:00', '2024-06-24T18:00:00.000Z'],
      ['2024-06-24T18:00:00+05:30', '2024-06-24T12:30:00.000Z'],
      ['2024-06-24T18:00:00+0530', '2024-06-24T12:30:00.000Z'],
      ['2024-06-24T18:00:00-04:00', '2024-06-24T22:00:00.000Z'],
      ['2024-06-24T01:00:00+03:00', '2024-06-23T22:00:00.000Z'],
      ['2024-12-31T23:30:00-01:00', '2025-01-01T00:30:00.000Z'],
      ['2024-06-24T18:00:00+00:00', '2024-06-24T18:00:00.000Z'],
    ])('reads %j as %s', (text, iso) => {
      // given a date-time, with an offset or without (then UTC)
      // when parsed
      // then it is that instant
      expect(parseOccurredAt(text)?.toISOString()).toBe(iso);
    });

    it('reads the same text as the same instant whatever the local time zone', () => {
      expect(parseOccurredAt('2024-06-24T18:00:00')?.getTime()).toBe(Date.UTC(2024, 5, 24, 18, 0, 0));
    });

    it.each([
      '2024-06-24T24:00:00Z',
      '2024-06-24T23:60:00Z',
      '2024-06-24T23:59:60Z',
      '2024-02-30T12:00:00Z',
      '2024-13-01T12:00:00Z',
      '2024-06-24T18:00:00+25:00',
      '2024-06-24 18:00:00Z',
      '2024-06-24T18Z',
      '2024-06-24T18:00:00.Z',
      '2024-06-24T18:00:00.000Z ',
    ])('rejects %j', (text) => {
      expect(parseOccurredAt(text)).toBeNull();
    });
  });

  it.each(['yesterday', '', 'now', '1719187200000', 'June 24, 2024', 'Mon, 24 Jun 2024 18:00:00 GMT'])('rejects the non-ISO text %j', (text) => {
    expect(parseOccurredAt(text)).toBeNull();
  });
});

describe('endOfDay', () => {
  it.each([
    ['2024-07-01', '2024-07-01T23:59:59.999Z'],
    ['2024-02-29', '2024-02-29T23:59:59.999Z'],
    ['2024-12-31', '2024-12-31T23:59:59.999Z'],
  ])('gives the last millisecond of UTC day %s', (text, iso) => {
    // given an asOf date
    // when its end is computed
    const end = endOfDay(text);
    // then it is the last millisecond of that UTC day, one ms before the next day starts
    expect(end?.toISOString()).toBe(iso);
    expect(end!.getTime() + 1).toBe(parseOccurredAt(text)!.getTime() + 86_400_000);
  });

  it('includes an event at 23:59:59.999 that day and excludes one at 00:00 the next', () => {
    const end = endOfDay('2024-07-01')!;
    expect(parseOccurredAt('2024-07-01T23:59:59.999Z')!.getTime()).toBeLessThanOrEqual(end.getTime());
    expect(parseOccurredAt('2024-07-02')!.getTime()).toBeGreaterThan(end.getTime());
  });

  it.each(['2024-02-30', '2024-13-01', '2024-07-01T00:00:00Z', '2024-07-01T12:00', 'today', ''])('rejects %j (not a real date)', (text) => {
    expect(endOfDay(text)).toBeNull();
  });
});

describe('the range of instants PostgreSQL and toISOString can hold', () => {
  it.each([
    ['9999-12-31T23:59:59-14:00', 'the year 10000 in UTC'],
    ['9999-12-31T23:59:59.999-00:01', 'one minute into the year 10000 in UTC'],
    ['1900-01-01T00:00:00+14:00', 'the year 1899 in UTC'],
    ['1900-01-01T09:59:59+10:00', 'one second before 1900 in UTC'],
  ])('rejects %j (%s)', (text) => {
    expect(parseOccurredAt(text)).toBeNull();
  });

  it.each([
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T23:59:59+14:00', '9999-12-31T09:59:59.000Z'],
    ['1900-01-01T00:00:00Z', '1900-01-01T00:00:00.000Z'],
    ['1900-01-01T00:00:00-14:00', '1900-01-01T14:00:00.000Z'],
    ['9999-12-31', '9999-12-31T00:00:00.000Z'],
  ])('accepts %j, the edge inside the range', (text, iso) => {
    expect(parseOccurredAt(text)?.toISOString()).toBe(iso);
  });

  it('gives the last day of 9999 an end that toISOString can still write', () => {
    expect(endOfDay('9999-12-31')?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });
});
