// Sources and corrections over real HTTP, with a real worker (CONTRACT section 10): the write
// side decides against the effective stream; every read model, asOf, knownAt and the
// contributions fold it; a rebuild equals the live read models; CSV parses back to the JSON.
import { parse } from 'csv-parse/sync';
import { expectMissionReplayed, readWholeLog } from './support/replay-check';
import { startHarness, Harness } from './support/projection-harness';

const MISSION = 'corr-haiti';
const UN = { url: 'https://press.un.org/en/2023/sc15432.doc.htm', publisher: 'United Nations' };

describe('sources and corrections', () => {
  let h: Harness;
  const append = (events: unknown[], extra: Record<string, unknown> = {}) => h.api.request('POST', `/v1/missions/${MISSION}/events`, { body: { ...extra, events } });
  const get = (path: string) => h.api.request('GET', path);
  const eventsOf = async () => (await get(`/v1/missions/${MISSION}/events?limit=1000`)).body.events as { id: string; version: number; type: string; recordedAt: string; metadata: Record<string, unknown> }[];
  const read = async (path: string) => get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${await h.quiesce()}`);

  beforeAll(async () => {
    h = await startHarness('corrections', 1, { PROJECTION_BATCH_SIZE: '3' });
    const first = await append([
      { type: 'MissionEstablished', occurredAt: '2023-10-02', data: { name: 'Corrections', hostCountry: 'HTI', leadNation: 'KEN' }, metadata: { source: UN } },
      { type: 'PersonnelPledged', occurredAt: '2023-07-29', data: { country: 'KEN', personnel: 1000 } },
      { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 400 } },
      { type: 'ContingentArrived', occurredAt: '2024-07-16', data: { country: 'JAM', personnel: 20 } },
      { type: 'FundingPledged', occurredAt: '2023-10-02', data: { donor: 'USA', amount: '300000000', currency: 'USD' }, metadata: { source: { publisher: 'Made-up test source' } } },
      { type: 'FundingPledged', occurredAt: '2024-01-01', data: { donor: '=HYPERLINK("http://x","y")', amount: '5.5', currency: 'USD' } },
    ]);
    expect(first.status).toBe(201);
  });
  afterAll(() => h?.close());

  it('refuses a bad source naming the field, and appends nothing', async () => {
    const before = (await eventsOf()).length;
    const bad = await append([{ type: 'SupportDeclared', occurredAt: '2024-01-01', data: { supporter: 'CAN' }, metadata: { source: { url: 'javascript:alert(1)', extra: 1 } } }]);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'events[0].metadata.source.extra', message: 'is not a known field' },
        { path: 'events[0].metadata.source.url', message: 'must be an absolute https: or http: URL' },
      ]),
    );
    const none = await append([{ type: 'SupportDeclared', occurredAt: '2024-01-01', data: { supporter: 'CAN' }, metadata: { source: { title: 'no url, no publisher' } } }]);
    expect(none.status).toBe(400);
    expect(none.body.errors).toEqual([{ path: 'events[0].metadata.source', message: 'must have a url or a publisher (or both)' }]);
    expect((await eventsOf()).length).toBe(before);
  });

  it('refuses every invalid correction with a precise 422 (or 400) and appends nothing', async () => {
    const events = await eventsOf();
    const before = events.length;
    const [established, , arrivedKen] = events;
    const cases: [unknown, number, string, RegExp][] = [
      [{ type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: '00000000-0000-4000-8000-000000000000', reason: 'x' } }, 422, 'correction-target-not-found', /is not an event of this mission/],
      [{ type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: established.id, reason: 'x' } }, 422, 'correction-target-invalid', /#1 \(MissionEstablished\) cannot be corrected/],
      [{ type: 'EventCorrected', occurredAt: '2026-12-01', data: { eventId: arrivedKen.id, data: { country: 'KEN' }, reason: 'x' } }, 400, 'correction-data-invalid', /not valid for event #3 \(ContingentArrived\)/],
      [{ type: 'EventCorrected', occurredAt: '2026-12-01', data: { eventId: arrivedKen.id, data: { country: 'KEN', personnel: 4, extra: 1 }, reason: 'x' } }, 400, 'correction-data-invalid', /extra/],
    ];
    for (const [event, status, type, detail] of cases) {
      const answer = await append([event]);
      expect({ status: answer.status, type: answer.body.type }).toEqual({ status, type: `/problems/${type}` });
      expect(answer.body.detail).toMatch(detail);
    }
    expect((await eventsOf()).length).toBe(before);
  });

  it('decides later appends against the effective stream, and refuses a correction that would break an earlier withdrawal', async () => {
    const [, , arrivedKen] = await eventsOf();
    expect((await append([{ type: 'PersonnelWithdrawn', occurredAt: '2024-08-01', data: { country: 'KEN', personnel: 300 } }])).status).toBe(201);
    // Lowering the arrival to 200 would make the withdrawal of 300 exceed what was deployed.
    const conflict = await append([{ type: 'EventCorrected', occurredAt: '2026-12-01', data: { eventId: arrivedKen.id, data: { country: 'KEN', personnel: 200 }, reason: 'typo' } }]);
    expect(conflict.status).toBe(422);
    expect(conflict.body.type).toBe('/problems/correction-conflict');
    expect(conflict.body.detail).toMatch(/would make event #7 \(PersonnelWithdrawn\) break a rule: cannot withdraw 300 personnel of KEN: only 200 deployed/);
    // Correct it to 350: then only 50 are deployed, and a withdrawal of 100 is refused.
    const corrected = await append([{ type: 'EventCorrected', occurredAt: '2026-12-01', data: { eventId: arrivedKen.id, data: { country: 'KEN', personnel: 350 }, reason: 'typo in the source' } }]);
    expect(corrected.status).toBe(201);
    const tooMany = await append([{ type: 'PersonnelWithdrawn', occurredAt: '2024-09-01', data: { country: 'KEN', personnel: 100 } }]);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.detail).toBe('cannot withdraw 100 personnel of KEN: only 50 deployed');
  });

  it('retracts an event: every read model, asOf and the timeline act as if it had never been appended', async () => {
    const events = await eventsOf();
    const arrivedJam = events[3];
    const retracted = await append([{ type: 'EventRetracted', occurredAt: '2026-12-02', data: { eventId: arrivedJam.id, reason: 'reported twice' } }]);
    expect(retracted.status).toBe(201);
    expect((await append([{ type: 'EventRetracted', occurredAt: '2026-12-02', data: { eventId: arrivedJam.id, reason: 'again' } }])).body.detail).toMatch(/is retracted already/);

    const personnel = (await read(`/v1/missions/${MISSION}/personnel`)).body;
    expect(personnel).toMatchObject({ pledged: 1000, deployed: 50, withdrawn: 300, departed: 350 });
    expect(personnel.byCountry.map((c: { country: string }) => c.country)).toEqual(['KEN']); // JAM's only event is retracted
    expect((await get(`/v1/missions/${MISSION}/personnel?asOf=2024-07-31`)).body).toMatchObject({ deployed: 350, withdrawn: 0 });

    const log = await readWholeLog(get);
    await expectMissionReplayed(get, MISSION, log.filter((e) => e.missionId === MISSION) as never);

    const timeline = (await read(`/v1/missions/${MISSION}/timeline`)).body.items as { version: number; status: string; summary: string; source?: unknown }[];
    const byVersion = new Map(timeline.map((item) => [item.version, item]));
    expect(byVersion.get(3)).toMatchObject({ status: 'corrected', summary: 'Kenya: 400 personnel arrived' });
    expect(byVersion.get(4)).toMatchObject({ status: 'retracted', summary: 'Jamaica: 20 personnel arrived' });
    expect(byVersion.get(8)).toMatchObject({ status: 'current', summary: 'Correction to #3: Kenya: 400 → 350 personnel arrived (typo in the source)' });
    expect(byVersion.get(9)).toMatchObject({ status: 'current', summary: 'Retraction of #4: Jamaica: 20 personnel arrived (reported twice)' });
    expect(byVersion.get(1)!.source).toEqual(UN);

    const missions = (await read('/v1/missions')).body.missions.find((m: { missionId: string }) => m.missionId === MISSION);
    expect(missions).toMatchObject({ streamVersion: 9, personnel: { deployed: 50 } });
  });

  it('opens every figure to its contributions, which sum to it, with statuses and sources', async () => {
    const personnel = (await read(`/v1/missions/${MISSION}/personnel`)).body;
    for (const field of ['pledged', 'departed', 'inTransit', 'deployed', 'withdrawn']) {
      const answer = (await get(`/v1/missions/${MISSION}/contributions?figure=personnel.${field}`)).body;
      expect(answer.total).toBe(personnel[field]);
      expect(answer.items.reduce((sum: number, item: { delta: number }) => sum + item.delta, 0)).toBe(personnel[field]);
    }
    const deployed = (await get(`/v1/missions/${MISSION}/contributions?figure=personnel.deployed&country=KEN`)).body;
    expect(deployed.items.map((i: { version: number; delta: number; runningTotal: number; status: string }) => [i.version, i.delta, i.runningTotal, i.status])).toEqual([
      [3, 350, 350, 'corrected'],
      [7, -300, 50, 'current'],
    ]);
    const pledged = (await get(`/v1/missions/${MISSION}/contributions?figure=funding.pledged&currency=USD&donor=USA`)).body;
    expect(pledged).toMatchObject({ figure: 'funding.pledged', donor: 'USA', currency: 'USD', total: '300000000' });
    expect(pledged.items[0]).toMatchObject({ delta: '300000000', runningTotal: '300000000', source: { publisher: 'Made-up test source' } });

    const bad = await get(`/v1/missions/${MISSION}/contributions?figure=funding.pledged`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'currency', message: 'is required with funding.pledged (money is never added across currencies)' }]);
    expect((await get(`/v1/missions/${MISSION}/contributions?figure=personnel.everything`)).status).toBe(400);
  });

  it('answers knownAt as the service would have at that instant, corrections included', async () => {
    const events = await eventsOf();
    const beforeCorrection = events.find((e) => e.version === 7)!.recordedAt; // the withdrawal, before the correction
    const then = (await get(`/v1/missions/${MISSION}/personnel?knownAt=${beforeCorrection}`)).body;
    expect(then).toMatchObject({ deployed: 120, withdrawn: 300, pledged: 1000 }); // 400 + 20 - 300, nothing corrected yet
    const thenAsOf = (await get(`/v1/missions/${MISSION}/personnel?knownAt=${beforeCorrection}&asOf=2024-07-01`)).body;
    expect(thenAsOf).toMatchObject({ deployed: 400, withdrawn: 0 });
    const contributionsThen = (await get(`/v1/missions/${MISSION}/contributions?figure=personnel.deployed&knownAt=${beforeCorrection}`)).body;
    expect(contributionsThen.total).toBe(120);
  });

  it('a rebuild with corrections in the log equals the live read models', async () => {
    const live = {
      personnel: (await read(`/v1/missions/${MISSION}/personnel`)).body,
      funding: (await read(`/v1/missions/${MISSION}/funding`)).body,
      timeline: (await read(`/v1/missions/${MISSION}/timeline`)).body.items,
    };
    for (const name of ['personnel', 'funding', 'timeline', 'missions']) expect((await h.api.request('POST', `/v1/projections/${name}/rebuild`)).status).toBe(202);
    await h.quiesce(60_000);
    expect({ ...(await get(`/v1/missions/${MISSION}/personnel`)).body, position: 0 }).toEqual({ ...live.personnel, position: 0 });
    expect({ ...(await get(`/v1/missions/${MISSION}/funding`)).body, position: 0 }).toEqual({ ...live.funding, position: 0 });
    expect((await get(`/v1/missions/${MISSION}/timeline`)).body.items).toEqual(live.timeline);
  });

  it('answers CSV that a CSV parser reads back as the JSON, with formulas neutralised and a useful file name', async () => {
    const json = (await get(`/v1/missions/${MISSION}/funding?asOf=2024-12-31`)).body;
    const csv = await get(`/v1/missions/${MISSION}/funding?asOf=2024-12-31&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${MISSION}-funding-asof-2024-12-31.csv"`);
    const rows = parse(csv.body as string, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual(
      json.byDonor.map((d: Record<string, string>) => ({ ...d, donor: d.donor.startsWith('=') ? `'${d.donor}` : d.donor })),
    );
    expect(rows.some((r) => r.donor === `'=HYPERLINK("http://x","y")`)).toBe(true);

    const contributions = await get(`/v1/missions/${MISSION}/contributions?figure=personnel.deployed&country=KEN&format=csv`);
    const items = parse(contributions.body as string, { columns: true }) as Record<string, string>[];
    expect(Object.keys(items[0])).toEqual(['eventId', 'position', 'version', 'type', 'occurredAt', 'delta', 'runningTotal', 'status', 'source.url', 'source.publisher', 'source.title', 'source.publishedAt']);
    expect(items.map((i) => i.delta)).toEqual(['350', '-300']);

    for (const path of ['/v1/missions', `/v1/missions/${MISSION}/personnel`, `/v1/missions/${MISSION}/timeline`]) {
      const answer = await get(`${path}?format=csv`);
      expect({ path, status: answer.status, type: answer.headers.get('content-type') }).toEqual({ path, status: 200, type: 'text/csv; charset=utf-8' });
      expect(parse(answer.body as string, { columns: true }).length).toBeGreaterThan(0);
    }
    expect((await get(`/v1/missions/${MISSION}/personnel?format=xlsx`)).status).toBe(400);
  });
});
