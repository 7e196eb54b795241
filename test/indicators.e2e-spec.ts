// Outcome indicators over real HTTP with a real worker (CONTRACT section 11): revisions by
// (indicator, period, area), one unit per indicator, asOf by periodEnd, knownAt, a retraction
// removing a point (and one bringing back the revised value), CSV, a rebuild.
import { parse } from 'csv-parse/sync';
import { startHarness, Harness } from './support/projection-harness';

const MISSION = 'ind-haiti';

const recorded = (indicator: string, value: string, periodStart: string, periodEnd: string, extra: Record<string, unknown> = {}) => ({
  type: 'IndicatorRecorded',
  occurredAt: '2024-07-15',
  data: { indicator, value, unit: 'people', periodStart, periodEnd, ...extra },
});

describe('outcome indicators', () => {
  let h: Harness;
  const append = (events: unknown[]) => h.api.request('POST', `/v1/missions/${MISSION}/events`, { body: { events } });
  const get = (path: string) => h.api.request('GET', path);
  const read = async (query = '') => {
    const answer = await get(`/v1/missions/${MISSION}/indicators?minPosition=${await h.quiesce()}${query}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  /** indicator → [periodStart, area, value] */
  const points = (body: { indicators: { indicator: string; points: { periodStart: string; area: string | null; value: string }[] }[] }) =>
    Object.fromEntries(body.indicators.map((i) => [i.indicator, i.points.map((p) => [p.periodStart, p.area, p.value])]));
  let ids: string[];

  beforeAll(async () => {
    h = await startHarness('indicators');
    const created = await append([
      { type: 'MissionEstablished', occurredAt: '2023-10-02', data: { name: 'Indicators', hostCountry: 'HTI' } },
      recorded('homicides', '1200', '2024-04-01', '2024-06-30'),
      recorded('homicides', '1100', '2024-01-01', '2024-03-31'),
      recorded('homicides', '300', '2024-01-01', '2024-03-31', { area: 'Ouest' }),
      recorded('displaced-people', '578074', '2024-06-01', '2024-06-30', { unit: 'people' }),
      recorded('homicides', '1150.50', '2024-01-01', '2024-03-31'), // a revision of the Q1 figure
    ]);
    expect(created.status).toBe(201);
    ids = created.body.events.map((e: { id: string }) => e.id);
  });
  afterAll(() => h?.close());

  it('answers indicators by name, points by period then area; a revision replaces the point (the latest in the log stands)', async () => {
    const body = await read();
    expect(body.indicators.map((i: { indicator: string; unit: string }) => [i.indicator, i.unit])).toEqual([
      ['displaced-people', 'people'],
      ['homicides', 'people'],
    ]);
    expect(points(body)).toEqual({
      'displaced-people': [['2024-06-01', null, '578074']],
      homicides: [
        ['2024-01-01', null, '1150.5'],
        ['2024-01-01', 'Ouest', '300'],
        ['2024-04-01', null, '1200'],
      ],
    });
    expect(body.indicators[1].points[0]).toEqual({ periodStart: '2024-01-01', periodEnd: '2024-03-31', area: null, value: '1150.5', eventId: ids[5] });
  });

  it('refuses another unit for an indicator (422 indicator-unit-conflict naming the field), appending nothing', async () => {
    const answer = await append([recorded('homicides', '5', '2024-07-01', '2024-07-31', { unit: 'per 100,000 people' })]);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      type: '/problems/indicator-unit-conflict',
      detail: 'indicator "homicides" is recorded in "people" in this mission; it cannot also be recorded in "per 100,000 people" (one unit per indicator)',
      errors: [{ path: 'events[0].data.unit', message: expect.any(String) }],
    });
    const bad = await append([recorded('homicides', '5', '2024-07-31', '2024-07-01')]);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'events[0].data.periodEnd', message: 'must not be before periodStart' }]);
    expect(points(await read()).homicides).toHaveLength(3);
  });

  it('asOf keeps the points whose period ended by then', async () => {
    expect(points(await read('&asOf=2024-06-29'))).toEqual({ homicides: [['2024-01-01', null, '1150.5'], ['2024-01-01', 'Ouest', '300']] });
    expect(points(await read('&asOf=2024-03-30'))).toEqual({});
    expect(Object.keys(points(await read('&asOf=2024-06-30')))).toEqual(['displaced-people', 'homicides']);
  });

  it('a retraction removes a point, or brings back the value it revised; knownAt shows what was known before', async () => {
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const retracted = await append([
      { type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: ids[3], reason: 'not a mission area figure' } },
      { type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: ids[5], reason: 'the revision was a typo' } },
    ]);
    expect(retracted.status).toBe(201);
    expect(points(await read()).homicides).toEqual([
      ['2024-01-01', null, '1100'],
      ['2024-04-01', null, '1200'],
    ]);
    expect(points(await read(`&knownAt=${encodeURIComponent(before)}&asOf=2024-03-31`))).toEqual({ homicides: [['2024-01-01', null, '1150.5'], ['2024-01-01', 'Ouest', '300']] });
  });

  it('answers CSV with one row per indicator point', async () => {
    const csv = await get(`/v1/missions/${MISSION}/indicators?format=csv&minPosition=${await h.quiesce()}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${MISSION}-indicators.csv"`);
    expect(csv.body.split('\r\n')[0]).toBe('indicator,unit,periodStart,periodEnd,area,value,eventId');
    expect((parse(csv.body, { columns: true }) as Record<string, string>[]).map((r) => [r.indicator, r.periodStart, r.area, r.value])).toEqual([
      ['displaced-people', '2024-06-01', '', '578074'],
      ['homicides', '2024-01-01', '', '1100'],
      ['homicides', '2024-04-01', '', '1200'],
    ]);
  });

  it('equals a rebuild', async () => {
    const live = await read();
    expect((await h.api.request('POST', '/v1/projections/indicators/rebuild')).status).toBe(202);
    await h.quiesce();
    expect(await read()).toEqual({ ...live, position: expect.any(Number) });
  });
});
