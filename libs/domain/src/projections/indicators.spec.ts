// Unit specs for the indicators fold (CONTRACT section 11): revisions, order, asOf by periodEnd.
import { RecordedEvent } from './recorded-event';
import { emptyIndicators, evolveIndicators, indicatorSeries } from './indicators';

let version = 0;
const recorded = (indicator: string, value: string, periodStart: string, periodEnd: string, area?: string): RecordedEvent =>
  ({
    type: 'IndicatorRecorded',
    data: { indicator, value, unit: 'people', periodStart, periodEnd, ...(area && { area }) },
    id: `00000000-0000-4000-8000-${String(++version).padStart(12, '0')}`,
    missionId: 'm',
    version,
    position: version,
    occurredAt: '2024-07-01T00:00:00.000Z',
  }) as RecordedEvent;

describe('indicators', () => {
  const events = [
    recorded('homicides', '1200', '2024-04-01', '2024-06-30'),
    recorded('homicides', '1100.50', '2024-01-01', '2024-03-31'),
    recorded('homicides', '300', '2024-01-01', '2024-03-31', 'Ouest'),
    recorded('displaced-people', '578074', '2024-06-01', '2024-06-30'),
    recorded('homicides', '1150', '2024-01-01', '2024-03-31'), // a revision of the second
  ];
  const state = events.reduce(evolveIndicators, emptyIndicators());

  it('orders indicators by name and points by periodStart, periodEnd, area; a revision replaces the point', () => {
    expect(indicatorSeries(state)).toEqual([
      { indicator: 'displaced-people', unit: 'people', points: [{ periodStart: '2024-06-01', periodEnd: '2024-06-30', area: null, value: '578074', eventId: events[3].id }] },
      {
        indicator: 'homicides',
        unit: 'people',
        points: [
          { periodStart: '2024-01-01', periodEnd: '2024-03-31', area: null, value: '1150', eventId: events[4].id },
          { periodStart: '2024-01-01', periodEnd: '2024-03-31', area: 'Ouest', value: '300', eventId: events[2].id },
          { periodStart: '2024-04-01', periodEnd: '2024-06-30', area: null, value: '1200', eventId: events[0].id },
        ],
      },
    ]);
  });

  it('asOf keeps the points whose period ended by then', () => {
    expect(indicatorSeries(state, '2024-06-29').map((s) => [s.indicator, s.points.length])).toEqual([['homicides', 2]]);
    expect(indicatorSeries(state, '2024-06-30').map((s) => [s.indicator, s.points.length])).toEqual([
      ['displaced-people', 1],
      ['homicides', 3],
    ]);
  });
});
