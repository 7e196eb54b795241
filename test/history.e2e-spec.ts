// The history read model over real HTTP, kept by a real worker folding small batches
// (CONTRACT section 10 "History"):
// - property-based (fast-check): for random streams posted out of occurredAt order, with
//   mandates, retractions and corrections, every point equals asOf of its date (personnel
//   with authorized, funding by currency), the points are exactly the days with an effective
//   event, and the history kept step by step equals a rebuild;
// - a late event moves the points from its day on; a withdrawal dated before its arrival
//   gives an inconsistent point; from/to, knownAt, minPosition, CSV.
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { effectiveStream, utcDay } from '@app/domain';
import { StoredEvent } from '@app/event-store';
import { startHarness, Harness } from './support/projection-harness';

const RUNS = Number(process.env.HISTORY_PROPERTY_RUNS ?? 6);

const country = fc.constantFrom('KEN', 'JAM');
const personnel = fc.integer({ min: 1, max: 300 });
const dayOf = (n: number) => utcDay(new Date(Date.UTC(2024, 0, 1) + n * 86_400_000));
const occurredAt = fc.integer({ min: 0, max: 30 }).map((n) => `${dayOf(n)}T${String(6 + (n % 12)).padStart(2, '0')}:00:00Z`);

const reported = fc.oneof(
  fc.record({ type: fc.constant('PersonnelRequirementSet'), data: fc.record({ required: fc.integer({ min: 0, max: 5000 }) }) }),
  fc.record({ type: fc.constant('PersonnelPledged'), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('ContingentDeparted'), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('ContingentArrived'), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('PersonnelWithdrawn'), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('FundingPledged'), data: fc.record({ donor: fc.constantFrom('USA', 'CAN'), amount: fc.integer({ min: 1, max: 999 }).map((n) => `${n}.25`), currency: fc.constantFrom('USD', 'CAD') }) }),
  fc.record({ type: fc.constant('FundingDisbursed'), data: fc.record({ donor: fc.constant('USA'), amount: fc.constant('10'), currency: fc.constant('USD') }) }),
  fc.record({ type: fc.constant('SupportDeclared'), data: fc.record({ supporter: fc.constant('CAN') }) }),
  fc.integer({ min: 0, max: 30 }).map((n) => ({
    type: 'MandateAuthorized',
    data: { authority: 'UN Security Council', instrument: `S/RES/${n}`, adoptedOn: dayOf(n), expiresOn: dayOf(n + 10), personnelCeiling: 100 * n },
  })),
);
type Step = { kind: 'report'; event: { type: string; data: object }; at: string } | { kind: 'retract' | 'correct'; target: number; personnel: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('report' as const), event: reported, at: occurredAt }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retract' as const), target: fc.nat(), personnel }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('correct' as const), target: fc.nat(), personnel }) },
);

describe('history', () => {
  let h: Harness;
  const append = (missionId: string, events: unknown[]) => h.api.request('POST', `/v1/missions/${missionId}/events`, { body: { events } });
  const get = (path: string) => h.api.request('GET', path);
  const read = async (path: string) => {
    const answer = await get(`${path}${path.includes('?') ? '&' : '?'}minPosition=${await h.quiesce()}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const logOf = async (missionId: string): Promise<StoredEvent[]> => (await get(`/v1/missions/${missionId}/events?limit=1000`)).body.events;
  const established = (name: string) => ({ type: 'MissionEstablished', occurredAt: '2024-01-10', data: { name, hostCountry: 'HTI' } });

  beforeAll(async () => {
    h = await startHarness('history', 1, { PROJECTION_BATCH_SIZE: '3' });
  });
  afterAll(() => h?.close());

  /** Every point equals asOf of its date; the points are the days of the effective events. */
  async function expectPointsEqualAsOf(missionId: string): Promise<void> {
    const { points } = await read(`/v1/missions/${missionId}/history`);
    const effectiveDays = [...new Set(effectiveStream(await logOf(missionId)).map((e) => utcDay(e.occurredAt)))].sort();
    expect(points.map((p: { date: string }) => p.date)).toEqual(effectiveDays);
    for (const point of points) {
      const personnel = await read(`/v1/missions/${missionId}/personnel?asOf=${point.date}`);
      const funding = await read(`/v1/missions/${missionId}/funding?asOf=${point.date}`);
      const { required, authorized, pledged, departed, inTransit, deployed, withdrawn } = personnel;
      const negative = personnel.byCountry.some((c: Record<string, number>) => Object.values(c).some((v) => typeof v === 'number' && v < 0));
      expect(point).toEqual({
        date: point.date,
        personnel: { required, authorized, pledged, departed, inTransit, deployed, withdrawn },
        funding: funding.byCurrency,
        inconsistent: negative,
      });
    }
  }

  it('property: every point equals asOf of its date, exactly the days with effective events, and a rebuild gives the same points', async () => {
    let run = 0;
    const missions: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 25, maxLength: 25 }), async (steps, sizes) => {
        const missionId = `hist-prop-${++run}`;
        missions.push(missionId);
        expect((await append(missionId, [established(missionId)])).status).toBe(201);
        const ids: { id: string; data: Record<string, unknown> }[] = [];
        // Reports go in batches of random sizes; a correction goes alone (it names an appended id).
        for (let i = 0, b = 0; i < steps.length; b++) {
          const s = steps[i];
          if (s.kind !== 'report') {
            i++;
            if (ids.length === 0) continue;
            const target = ids[s.target % ids.length];
            const correction =
              s.kind === 'retract'
                ? { type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: target.id, reason: 'test' } }
                : 'personnel' in target.data
                  ? { type: 'EventCorrected', occurredAt: '2026-12-01', data: { eventId: target.id, data: { ...target.data, personnel: s.personnel }, reason: 'test' } }
                  : undefined;
            if (correction) await append(missionId, [correction]); // refused (422) when it would break a rule: then nothing changes
            continue;
          }
          const batch: Step[] = [];
          while (i < steps.length && steps[i].kind === 'report' && batch.length < sizes[b % sizes.length]) batch.push(steps[i++]);
          const events = batch.map((r) => (r.kind === 'report' ? { ...r.event, occurredAt: r.at } : undefined));
          const answer = await append(missionId, events);
          if (answer.status === 201) answer.body.events.forEach((e: { id: string }, k: number) => ids.push({ id: e.id, data: events[k]!.data as Record<string, unknown> }));
        }
        await expectPointsEqualAsOf(missionId);
      }),
      { numRuns: RUNS },
    );
    const before = await Promise.all(missions.map((m) => read(`/v1/missions/${m}/history`)));
    expect((await h.api.request('POST', '/v1/projections/history/rebuild')).status).toBe(202);
    await h.quiesce(60_000);
    const after = await Promise.all(missions.map((m) => read(`/v1/missions/${m}/history`)));
    expect(after.map((a) => a.points)).toEqual(before.map((b) => b.points));
  }, 300_000);

  it('a late event changes the points from its own day on; a withdrawal dated before its arrival is inconsistent', async () => {
    const id = 'hist-late';
    await append(id, [
      established('Late'),
      { type: 'PersonnelRequirementSet', occurredAt: '2024-02-01', data: { required: 5000 } },
      { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 400 } },
      { type: 'FundingPledged', occurredAt: '2024-03-01', data: { donor: 'USA', amount: '300000000', currency: 'USD' } },
    ]);
    const deployed = async () => (await read(`/v1/missions/${id}/history`)).points.map((p: { date: string; personnel: { deployed: number } }) => [p.date, p.personnel.deployed]);
    expect(await deployed()).toEqual([
      ['2024-01-10', 0],
      ['2024-02-01', 0],
      ['2024-03-01', 0],
      ['2024-06-25', 400],
    ]);
    // Posted late: a withdrawal of 100 dated 2024-05-01, before the arrival it withdraws from.
    expect((await append(id, [{ type: 'PersonnelWithdrawn', occurredAt: '2024-05-01', data: { country: 'KEN', personnel: 100 } }])).status).toBe(201);
    const { points } = await read(`/v1/missions/${id}/history`);
    expect(points.map((p: { date: string; personnel: { deployed: number }; inconsistent: boolean }) => [p.date, p.personnel.deployed, p.inconsistent])).toEqual([
      ['2024-01-10', 0, false],
      ['2024-02-01', 0, false],
      ['2024-03-01', 0, false],
      ['2024-05-01', -100, true],
      ['2024-06-25', 300, false],
    ]);
    expect(points[3].funding).toEqual([{ currency: 'USD', pledged: '300000000', committed: '0', disbursed: '0' }]);
    await expectPointsEqualAsOf(id);

    // from/to (inclusive), and a bad range
    expect((await read(`/v1/missions/${id}/history?from=2024-03-01&to=2024-05-01`)).points.map((p: { date: string }) => p.date)).toEqual(['2024-03-01', '2024-05-01']);
    const bad = await get(`/v1/missions/${id}/history?from=2024-06-01&to=2024-05-01`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'to', message: 'must not be before from' }]);
    expect((await get(`/v1/missions/${id}/history?from=2024-13-01`)).status).toBe(400);
    expect((await get('/v1/missions/hist-nowhere/history')).status).toBe(404);
  });

  it('a retraction removes the day it emptied; knownAt answers as known before it', async () => {
    const id = 'hist-retract';
    const created = await append(id, [
      established('Retract'),
      { type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } },
      { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 400 } },
    ]);
    const before = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await append(id, [{ type: 'EventRetracted', occurredAt: '2026-12-01', data: { eventId: created.body.events[1].id, reason: 'reported twice' } }])).status).toBe(201);
    const now = await read(`/v1/missions/${id}/history`);
    expect(now.points.map((p: { date: string; personnel: { departed: number; inTransit: number } }) => [p.date, p.personnel.departed, p.personnel.inTransit])).toEqual([
      ['2024-01-10', 0, 0],
      ['2024-06-25', 400, 0],
    ]);
    const then = await read(`/v1/missions/${id}/history?knownAt=${encodeURIComponent(before)}&from=2024-06-01`);
    expect(then.points.map((p: { date: string; personnel: { inTransit: number } }) => [p.date, p.personnel.inTransit])).toEqual([
      ['2024-06-24', 400],
      ['2024-06-25', 0],
    ]);
  });

  it('answers CSV with one row per point and currency (a point without funding: one row)', async () => {
    const id = 'hist-csv';
    await append(id, [
      established('CSV'),
      { type: 'FundingPledged', occurredAt: '2024-03-01', data: { donor: 'USA', amount: '300000000', currency: 'USD' } },
      { type: 'FundingPledged', occurredAt: '2024-03-01', data: { donor: 'CAN', amount: '5.5', currency: 'CAD' } },
      { type: 'MandateAuthorized', occurredAt: '2024-03-01', data: { authority: 'UN Security Council', instrument: 'S/RES/1', adoptedOn: '2024-03-01', personnelCeiling: 2500 } },
    ]);
    const csv = await get(`/v1/missions/${id}/history?format=csv&from=2024-01-01&minPosition=${await h.quiesce()}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="${id}-history-from-2024-01-01.csv"`);
    expect(csv.body.split('\r\n')[0]).toBe(
      'date,personnel.required,personnel.authorized,personnel.pledged,personnel.departed,personnel.inTransit,personnel.deployed,personnel.withdrawn,funding.currency,funding.pledged,funding.committed,funding.disbursed,inconsistent',
    );
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.date, r['personnel.authorized'], r['funding.currency'], r['funding.pledged'], r.inconsistent])).toEqual([
      ['2024-01-10', '', '', '', 'false'],
      ['2024-03-01', '2500', 'CAD', '5.5', 'false'],
      ['2024-03-01', '2500', 'USD', '300000000', 'false'],
    ]);
  });
});
