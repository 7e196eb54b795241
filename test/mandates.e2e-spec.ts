// Mandates and succession over real HTTP with a real worker (CONTRACT section 11): the mandate
// in force before, on, between and after each adoption and expiry, `authorized` following it
// on personnel and on the missions list, a renewal, a retraction, knownAt, CSV; a successor
// mission and an unknown predecessor.
import { parse } from 'csv-parse/sync';
import { startHarness, Harness } from './support/projection-harness';

const MSS = 'mss-haiti';
const GSF = 'gsf-haiti';
const UN = 'UN Security Council';

const mandate = (instrument: string, adoptedOn: string, extra: Record<string, unknown> = {}) => ({
  type: 'MandateAuthorized',
  occurredAt: adoptedOn,
  data: { authority: UN, instrument, adoptedOn, ...extra },
});

describe('mandates and succession', () => {
  let h: Harness;
  const append = (missionId: string, events: unknown[]) => h.api.request('POST', `/v1/missions/${missionId}/events`, { body: { events } });
  const get = (path: string) => h.api.request('GET', path);
  /** A read that reflects everything appended so far. */
  const read = async (path: string) => {
    const answer = await get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${await h.quiesce()}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const currentOn = async (missionId: string, asOf: string) => (await read(`/v1/missions/${missionId}/mandates?asOf=${asOf}`)).current?.instrument ?? null;
  const authorizedOn = async (missionId: string, asOf: string) => (await read(`/v1/missions/${missionId}/personnel?asOf=${asOf}`)).authorized;

  beforeAll(async () => {
    h = await startHarness('mandates');
    const created = await append(MSS, [
      { type: 'MissionEstablished', occurredAt: '2023-10-02', data: { name: 'Multinational Security Support mission to Haiti', hostCountry: 'HTI', leadNation: 'KEN' } },
      mandate('S/RES/2699 (2023)', '2023-10-02', { expiresOn: '2024-10-02', url: 'https://press.un.org/en/2023/sc15432.doc.htm' }),
      // The renewal, with a ceiling (made up for the test: resolution 2751 set none).
      mandate('S/RES/2751 (2024)', '2024-09-30', { expiresOn: '2025-10-02', personnelCeiling: 2500 }),
      { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 400 } },
    ]);
    expect(created.status).toBe(201);
  });
  afterAll(() => h?.close());

  it('lists the mandates by adoptedOn, absent fields null; today none is in force (the renewal expired)', async () => {
    const body = await read(`/v1/missions/${MSS}/mandates`);
    expect(body).toEqual({
      missionId: MSS,
      position: expect.any(Number),
      current: null,
      mandates: [
        { eventId: expect.any(String), authority: UN, instrument: 'S/RES/2699 (2023)', adoptedOn: '2023-10-02', expiresOn: '2024-10-02', personnelCeiling: null, url: 'https://press.un.org/en/2023/sc15432.doc.htm' },
        { eventId: expect.any(String), authority: UN, instrument: 'S/RES/2751 (2024)', adoptedOn: '2024-09-30', expiresOn: '2025-10-02', personnelCeiling: 2500, url: null },
      ],
    });
    expect((await read(`/v1/missions/${MSS}/personnel`)).authorized).toBeNull();
  });

  it.each([
    ['2023-10-01', null, null], // before the first adoption
    ['2023-10-02', 'S/RES/2699 (2023)', null], // on it
    ['2024-06-30', 'S/RES/2699 (2023)', null], // between: it sets no ceiling
    ['2024-09-29', 'S/RES/2699 (2023)', null],
    ['2024-09-30', 'S/RES/2751 (2024)', 2500], // the renewal's day
    ['2024-10-03', 'S/RES/2751 (2024)', 2500], // after the first one's expiry
    ['2025-10-02', 'S/RES/2751 (2024)', 2500], // on its own expiry day
    ['2025-10-03', null, null], // after it
  ])('asOf %s: the mandate in force is %s and personnel authorized %s', async (asOf, instrument, authorized) => {
    expect(await currentOn(MSS, asOf)).toBe(instrument);
    expect(await authorizedOn(MSS, asOf)).toBe(authorized);
  });

  it('refuses an expiry before the adoption (400 naming the field) and appends nothing', async () => {
    const answer = await append(MSS, [mandate('S/RES/0000', '2024-09-30', { expiresOn: '2024-09-01' })]);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ path: 'events[0].data.expiresOn', message: 'must not be before adoptedOn' }]);
    expect((await read(`/v1/missions/${MSS}/mandates`)).mandates).toHaveLength(2);
  });

  it('refuses a successor of a mission that does not exist (422 predecessor-not-found), creating nothing', async () => {
    const answer = await append('gsf-nowhere', [{ type: 'MissionEstablished', occurredAt: '2025-09-30', data: { name: 'GSF', hostCountry: 'HTI', predecessor: 'mss-nowhere' } }]);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      type: '/problems/predecessor-not-found',
      detail: 'there is no mission "mss-nowhere" for "gsf-nowhere" to succeed; establish it first',
      errors: [{ path: 'events[0].data.predecessor', message: expect.any(String) }],
    });
    expect((await get('/v1/missions/gsf-nowhere/events')).status).toBe(404);
  });

  it('a successor mission: predecessor and successor on the list, its own mandate in force today with its ceiling', async () => {
    const created = await append(GSF, [
      { type: 'MissionEstablished', occurredAt: '2025-09-30', data: { name: 'Gang Suppression Force', hostCountry: 'HTI', predecessor: MSS } },
      mandate('S/RES/2793 (2025)', '2025-09-30', { personnelCeiling: 5550, url: 'https://press.un.org/en/2025/sc16185.doc.htm' }),
    ]);
    expect(created.status).toBe(201);
    const { missions } = await read('/v1/missions');
    const byId = Object.fromEntries(missions.map((m: { missionId: string }) => [m.missionId, m]));
    expect(byId[MSS]).toMatchObject({ predecessor: null, successor: GSF, personnel: { authorized: null, deployed: 400 } });
    expect(byId[GSF]).toMatchObject({ predecessor: MSS, successor: null, personnel: { required: 0, authorized: 5550, deployed: 0 } });
    expect((await read(`/v1/missions/${GSF}/mandates`)).current).toMatchObject({ instrument: 'S/RES/2793 (2025)', personnelCeiling: 5550, expiresOn: null });
    expect((await read(`/v1/missions/${GSF}/personnel`)).authorized).toBe(5550);
    expect(await currentOn(GSF, '2025-09-29')).toBeNull();
    const csv = await get(`/v1/missions?format=csv&minPosition=${await h.quiesce()}`);
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.missionId === GSF)).toMatchObject({ predecessor: MSS, successor: '', 'personnel.authorized': '5550' });
  });

  it('a retracted mandate is gone (knownAt before the retraction still shows it); CSV of the list', async () => {
    const { mandates } = await read(`/v1/missions/${MSS}/mandates`);
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const retracted = await append(MSS, [{ type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: mandates[1].eventId, reason: 'wrong resolution' } }]);
    expect(retracted.status).toBe(201);
    expect((await read(`/v1/missions/${MSS}/mandates`)).mandates.map((m: { instrument: string }) => m.instrument)).toEqual(['S/RES/2699 (2023)']);
    expect(await currentOn(MSS, '2024-10-01')).toBe('S/RES/2699 (2023)');
    expect(await currentOn(MSS, '2024-10-03')).toBeNull();
    expect(await authorizedOn(MSS, '2024-10-01')).toBeNull();
    const then = await read(`/v1/missions/${MSS}/mandates?knownAt=${before}&asOf=2024-10-03`);
    expect(then.current).toMatchObject({ instrument: 'S/RES/2751 (2024)' });
    expect(then.mandates).toHaveLength(2);
    expect((await read(`/v1/missions/${MSS}/personnel?knownAt=${before}&asOf=2024-10-03`)).authorized).toBe(2500);

    const csv = await get(`/v1/missions/${MSS}/mandates?format=csv&knownAt=${encodeURIComponent(before)}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[0]).toBe('eventId,authority,instrument,adoptedOn,expiresOn,personnelCeiling,url');
    expect((parse(csv.body, { columns: true }) as Record<string, string>[]).map((r) => [r.instrument, r.personnelCeiling])).toEqual([
      ['S/RES/2699 (2023)', ''],
      ['S/RES/2751 (2024)', '2500'],
    ]);
  });

  it('equals a rebuild', async () => {
    const live = await read(`/v1/missions/${MSS}/mandates`);
    expect((await h.api.request('POST', '/v1/projections/mandates/rebuild')).status).toBe(202);
    await h.quiesce();
    expect(await read(`/v1/missions/${MSS}/mandates`)).toEqual({ ...live, position: expect.any(Number) });
  });
});
