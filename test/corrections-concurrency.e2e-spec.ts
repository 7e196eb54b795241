// Corrections under concurrency, over real HTTP with real workers: random reports, retractions
// and corrections (fast-check), sent in random batches by concurrent writers (two of them often
// correcting the same event at once). Whatever the API accepted, every read model must equal
// the fold of each mission's effective stream, the effective stream must keep every rule, and
// the timeline's statuses must follow the corrections.
import fc from 'fast-check';
import { decide, effectiveStream, emptyFunding, emptyPersonnel, evolveFunding, evolvePersonnel, fundingByCurrency, fundingByDonor, initialState, missionTimeline, personnelTotals } from '@app/domain';
import { expectLogIntactAndReadModelsReplayed, readWholeLog } from './support/replay-check';
import { startHarness, Harness } from './support/projection-harness';

const MISSIONS = ['cc-a', 'cc-b'];
const WRITERS = 4;
const ROUNDS = 12;
const SEED = Number(process.env.CORRECTIONS_SEED ?? 20261204);

type Action =
  | { kind: 'report'; type: string; data: Record<string, unknown> }
  | { kind: 'retract'; pick: number }
  | { kind: 'correct'; pick: number; personnel: number; amount: string };

const country = fc.constantFrom('KEN', 'JAM', 'BHS');
const personnel = fc.integer({ min: 1, max: 300 });
const amount = fc.integer({ min: 1, max: 10_000_000 }).map(String);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('report' as const), type: fc.constantFrom('PersonnelPledged', 'ContingentDeparted', 'ContingentArrived', 'PersonnelWithdrawn'), data: fc.record({ country, personnel }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('report' as const), type: fc.constantFrom('FundingPledged', 'FundingDisbursed'), data: fc.record({ donor: fc.constantFrom('USA', 'CAN'), amount, currency: fc.constant('USD') }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('retract' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('correct' as const), pick: fc.nat(), personnel, amount }) },
);
const batch = fc.record({ mission: fc.constantFrom(...MISSIONS), actions: fc.array(action, { minLength: 1, maxLength: 4 }) });

describe('corrections under concurrent writers (property-based, over HTTP)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('corrections_concurrency', 2, { PROJECTION_BATCH_SIZE: '7' });
    for (const missionId of MISSIONS) {
      const founded = await h.api.request('POST', `/v1/missions/${missionId}/events`, {
        body: { events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: missionId, hostCountry: 'HTI' } }] },
      });
      expect(founded.status).toBe(201);
    }
  });
  afterAll(() => h?.close());

  it('every read model equals the fold of the effective stream, whatever was accepted', async () => {
    const get = (path: string) => h.api.request('GET', path);
    const acknowledged: string[] = [];
    const outcomes = new Map<number, number>();
    /** Events a correction may name: what each mission held when the round began. */
    const targets = new Map<string, { id: string; type: string; data: Record<string, unknown> }[]>();
    const rounds = fc.sample(fc.array(batch, { minLength: WRITERS, maxLength: WRITERS }), { seed: SEED, numRuns: ROUNDS });
    /** After each round: the log's head then, and an instant between that round and the next. */
    const phases: { head: number; instant: string }[] = [];
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    for (const round of rounds) {
      if (targets.size > 0) {
        const page = (await get('/v1/events?after=0&limit=1000')).body;
        let head = page.next as number;
        for (let after = head; ; ) {
          const more = (await get(`/v1/events?after=${after}&limit=1000`)).body;
          if (more.events.length === 0) break;
          after = head = more.next;
        }
        await pause();
        phases.push({ head, instant: new Date().toISOString() });
        await pause();
      }
      for (const missionId of MISSIONS) targets.set(missionId, (await get(`/v1/missions/${missionId}/events?limit=1000`)).body.events);
      await Promise.all(
        round.map(async ({ mission, actions }) => {
          const pool = targets.get(mission)!.filter((e) => e.type !== 'MissionEstablished');
          const events = actions.flatMap((a) => {
            if (a.kind === 'report') return [{ type: a.type, occurredAt: '2024-06-01', data: a.data }];
            if (pool.length === 0) return [];
            // Writers pick from the same few events, so they often correct one event at once.
            const target = pool[a.pick % Math.min(pool.length, 3)];
            if (a.kind === 'retract') return [{ type: 'EventRetracted', occurredAt: '2026-12-04', data: { eventId: target.id, reason: 'test retraction' } }];
            const data = { ...target.data };
            if ('personnel' in data) data.personnel = a.personnel;
            if ('amount' in data) data.amount = a.amount;
            return [{ type: 'EventCorrected', occurredAt: '2026-12-04', data: { eventId: target.id, data, reason: 'test correction' } }];
          });
          if (events.length === 0) return;
          const answer = await h.api.request('POST', `/v1/missions/${mission}/events`, { body: { events } });
          outcomes.set(answer.status, (outcomes.get(answer.status) ?? 0) + 1);
          if (answer.status === 201) acknowledged.push(...answer.body.events.map((e: { id: string }) => e.id));
          else expect([400, 422]).toContain(answer.status);
        }),
      );
    }
    // Enough of both happened for the check to mean something.
    expect(outcomes.get(201) ?? 0).toBeGreaterThan(ROUNDS);
    expect((outcomes.get(422) ?? 0) + (outcomes.get(400) ?? 0)).toBeGreaterThan(0);

    await h.quiesce(60_000);
    const log = await expectLogIntactAndReadModelsReplayed(get, acknowledged);
    expect(log.some((e) => e.type === 'EventRetracted')).toBe(true);
    expect(log.some((e) => e.type === 'EventCorrected')).toBe(true);
    for (const missionId of MISSIONS) {
      const events = log.filter((e) => e.missionId === missionId);
      expect(() => decide(initialState(), effectiveStream(events))).not.toThrow();
      const timeline = (await get(`/v1/missions/${missionId}/timeline?limit=1000`)).body.items;
      const expected = [...missionTimeline(events)].reverse().map(({ missionId: _m, country: _c, ...item }) => item);
      expect(timeline).toEqual(expected);
    }
    expect((await readWholeLog(get)).length).toBe(log.length);

    // knownAt at each phase's instant: the fold of what had been recorded then (the log up to
    // that phase's head), corrections recorded later left out.
    for (const { head, instant } of phases) {
      for (const missionId of MISSIONS) {
        const recorded = effectiveStream(log.filter((e) => e.missionId === missionId && e.position <= head));
        const personnel = recorded.reduce(evolvePersonnel, emptyPersonnel());
        const then = (await get(`/v1/missions/${missionId}/personnel?knownAt=${instant}`)).body;
        expect({ instant, missionId, ...then, position: undefined, byCountry: undefined, missionIdBody: then.missionId }).toEqual({
          instant,
          missionId,
          ...personnelTotals(personnel),
          authorized: null, // no mandate in these missions
          position: undefined,
          byCountry: undefined,
          missionIdBody: missionId,
        });
        const funding = (await get(`/v1/missions/${missionId}/funding?knownAt=${instant}`)).body;
        expect(funding.byCurrency).toEqual(fundingByCurrency(fundingByDonor(recorded.reduce(evolveFunding, emptyFunding()))));
      }
    }
  }, 180_000);
});
