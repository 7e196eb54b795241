// Reading the timeline (CONTRACT section 10): filters by type, country and dates, date order
// with an opaque cursor, `next` for paging, and every page together exactly the filtered items.
import { startHarness, Harness } from './support/projection-harness';

const MISSION = 'tl-read';

describe('reading the timeline', () => {
  let h: Harness;
  const get = async (query: string) => (await h.api.request('GET', `/v1/missions/${MISSION}/timeline?${query}`)).body;
  /** Every page, following `next` (as `before` or `cursor`). */
  async function allPages(query: string, limit: number, order: 'position' | 'occurred') {
    const items: { version: number; occurredAt: string; position: number }[] = [];
    for (let next: number | string | null = null, pages = 0; ; pages++) {
      const page = await get(`${query}&limit=${limit}${next === null ? '' : order === 'occurred' ? `&cursor=${next}` : `&before=${next}`}`);
      items.push(...page.items);
      next = page.next;
      if (next === null) return items;
      if (pages > 100) throw new Error('paging does not end');
    }
  }

  beforeAll(async () => {
    h = await startHarness('timeline_reading', 1);
    const events = [
      { type: 'MissionEstablished', occurredAt: '2023-10-02', data: { name: 'Timeline', hostCountry: 'HTI' } },
      // Posted out of date order, as reports arrive.
      { type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } },
      { type: 'PersonnelPledged', occurredAt: '2023-07-29', data: { country: 'KEN', personnel: 1000 } },
      { type: 'SupportDeclared', occurredAt: '2023-09-22', data: { supporter: 'USA' } },
      { type: 'FundingPledged', occurredAt: '2024-03-11', data: { donor: 'USA', amount: '300000000', currency: 'USD' } },
      { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 400 } },
      { type: 'ContingentArrived', occurredAt: '2024-07-16', data: { country: 'JAM', personnel: 24 } },
      { type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'JAM', personnel: 24 } },
    ];
    expect((await h.api.request('POST', `/v1/missions/${MISSION}/events`, { body: { events } })).status).toBe(201);
    await h.quiesce();
  });
  afterAll(() => h?.close());

  it('pages by position with next, and the pages hold every item once', async () => {
    const first = await get('limit=3');
    expect(first.items.map((i: { version: number }) => i.version)).toEqual([8, 7, 6]);
    expect(first.next).toBe(first.items[2].position);
    expect((await allPages('', 3, 'position')).map((i) => i.version)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect((await get('limit=8')).next).toBeNull();
  });

  it('orders by date with order=occurred (ties by position), paged by an opaque cursor', async () => {
    const items = await allPages('order=occurred', 3, 'occurred');
    expect(items.map((i) => i.version)).toEqual([7, 6, 8, 2, 5, 1, 4, 3]);
    const first = await get('order=occurred&limit=2');
    expect(typeof first.next).toBe('string');
    const bad = await h.api.request('GET', `/v1/missions/${MISSION}/timeline?order=occurred&cursor=abc`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('cursor');
    expect((await h.api.request('GET', `/v1/missions/${MISSION}/timeline?order=occurred&before=5`)).status).toBe(400);
  });

  it('filters by type, country and dates, combinable with paging', async () => {
    expect((await get('type=ContingentArrived,ContingentDeparted')).items.map((i: { version: number }) => i.version)).toEqual([8, 7, 6, 2]);
    expect((await get('country=USA')).items.map((i: { version: number }) => i.version)).toEqual([5, 4]);
    expect((await get('from=2024-06-24&to=2024-06-25')).items.map((i: { version: number }) => i.version)).toEqual([8, 6, 2]);
    const arrivalsByDate = await allPages('type=ContingentArrived&country=KEN&order=occurred', 1, 'occurred');
    expect(arrivalsByDate.map((i) => i.version)).toEqual([6]);
    const bad = await h.api.request('GET', `/v1/missions/${MISSION}/timeline?type=Arrival&country=Kenya&from=2024-13-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['country', 'from', 'type[0]']);
  });
});
