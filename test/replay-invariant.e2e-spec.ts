// The heart of the product: at any quiet moment every read model equals a fresh fold of the
// whole log, whatever happened meanwhile. A seeded random workload of every event type from
// concurrent HTTP writers, three worker processes SIGKILLed one after another mid-run (each
// replaced), and the Redis keys flushed mid-run.
//
// Longer runs: MT_REPLAY_SEED=7 MT_REPLAY_EVENTS=20000 MT_REPLAY_MISSIONS=20 npx jest test/replay-invariant
import { missionTimeline, personnelTotals } from '@app/domain';
import { StoredEvent } from '@app/event-store';
import { TEST_REDIS_URL } from './support/environment';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { Harness, startHarness } from './support/projection-harness';
import { expectMissionReplayed, readWholeLog } from './support/replay-check';

const SEED = Number(process.env.MT_REPLAY_SEED ?? 20261128);
const TOTAL_EVENTS = Number(process.env.MT_REPLAY_EVENTS ?? 1500);
const MISSIONS = Number(process.env.MT_REPLAY_MISSIONS ?? 6);
const WRITERS = 4;

/** mulberry32: a small seeded generator, so a failing run can be replayed exactly. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
  };
}

const COUNTRIES = ['KEN', 'USA', 'CAN', 'JAM', 'BHS', 'BGD', 'BEN', 'TCD'];
const DONORS = ['USA', 'CAN', 'UN Trust Fund', 'European Union'];
const CURRENCIES = ['USD', 'EUR', 'CAD'];

function randomEvent(r: ReturnType<typeof random>) {
  const occurredAt = `2024-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
  const country = r.pick(COUNTRIES);
  const amount = () => `${r.int(1, 999_999_999)}${r.next() < 0.5 ? `.${r.int(0, 9999)}` : ''}`;
  const donor = () => ({ donor: r.pick(DONORS), amount: amount(), currency: r.pick(CURRENCIES) });
  const type = r.pick([
    'PersonnelRequirementSet', 'PersonnelPledged', 'PledgeRevised', 'FarewellHeld', 'ContingentDeparted', 'ContingentArrived',
    'ContingentArrived', 'PersonnelWithdrawn', 'FundingPledged', 'FundingPledgeRevised', 'FundingCommitted', 'FundingDisbursed', 'SupportDeclared',
  ]);
  const data: Record<string, unknown> = {
    PersonnelRequirementSet: { required: r.int(0, 10_000) },
    PersonnelPledged: { country, personnel: r.int(1, 500), personnelType: r.pick(['police', 'military', 'civilian']) },
    PledgeRevised: { country, personnel: r.int(0, 800) },
    FarewellHeld: { country, personnel: r.int(1, 400), officiant: 'Head of state' },
    ContingentDeparted: { country, personnel: r.int(1, 300) },
    ContingentArrived: { country, personnel: r.int(1, 300) },
    PersonnelWithdrawn: { country, personnel: r.int(1, 150) },
    FundingPledged: donor(),
    FundingPledgeRevised: { ...donor(), amount: r.next() < 0.2 ? '0' : amount() },
    FundingCommitted: donor(),
    FundingDisbursed: donor(),
    SupportDeclared: { supporter: r.pick([...COUNTRIES, ...DONORS]) },
  }[type] as Record<string, unknown>;
  return { type, occurredAt, data };
}

describe(`replay invariant (seed ${SEED}, ${TOTAL_EVENTS} events, ${MISSIONS} missions)`, () => {
  let h: Harness;
  beforeAll(async () => {
    // Small batches so the SIGKILL is likely to land inside a batch transaction.
    h = await startHarness('replay', 3, { PROJECTION_BATCH_SIZE: '40' });
  });
  afterAll(() => h.close());

  it('every read model equals a fresh fold of the log, each event applied exactly once', async () => {
    const missionIds = Array.from({ length: MISSIONS }, (_, i) => `replay-${i}`);
    for (const missionId of missionIds) {
      const created = await h.api.request('POST', `/v1/missions/${missionId}/events`, {
        body: { expectedVersion: 0, events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Mission ${missionId}`, hostCountry: 'HTI', leadNation: 'KEN' } }] },
      });
      expect(created.status).toBe(201);
    }

    let submitted = 0;
    const acknowledged = new Set<number>();
    let rejected = 0;
    const writer = async (w: number) => {
      const r = random(SEED * 31 + w);
      while (submitted < TOTAL_EVENTS) {
        const events = Array.from({ length: r.int(1, 5) }, () => randomEvent(r));
        submitted += events.length;
        const response = await h.api.request('POST', `/v1/missions/${r.pick(missionIds)}/events`, { body: { events } });
        if (response.status === 201) for (const e of response.body.events) acknowledged.add(e.position);
        else if (response.status === 422) rejected++; // a withdrawal beyond deployed: refused whole
        else throw new Error(`unexpected ${response.status}: ${JSON.stringify(response.body)}`);
      }
    };

    const chaos = async () => {
      const waitFor = async (fraction: number) => {
        while (submitted < TOTAL_EVENTS * fraction) await new Promise((r) => setTimeout(r, 5));
      };
      // Kill a worker three times over (a different one each time), each replaced at once.
      for (const [k, fraction] of [0.2, 0.35, 0.5].entries()) {
        await waitFor(fraction);
        await h.workers[k].kill('SIGKILL');
        await h.startWorker();
      }
      await waitFor(0.65);
      expect(await deleteRedisPrefix(TEST_REDIS_URL, h.api.redisPrefix)).toBeGreaterThan(0);
    };

    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), chaos()]);
    expect(rejected).toBeLessThan(submitted);

    await h.quiesce(60_000);
    const get = (path: string) => h.api.request('GET', path);
    const log = await readWholeLog(get);

    // Nothing acknowledged is lost, nothing appears twice.
    const positions = log.map((e) => e.position);
    expect(new Set(positions).size).toBe(log.length);
    for (const position of acknowledged) expect(positions).toContain(position);

    const byMission = new Map<string, StoredEvent[]>();
    for (const event of log) byMission.set(event.missionId, [...(byMission.get(event.missionId) ?? []), event]);
    expect([...byMission.keys()].sort()).toEqual([...missionIds].sort());

    const list = (await get('/v1/missions')).body.missions;
    for (const missionId of missionIds) {
      const events = byMission.get(missionId)!;
      const personnel = await expectMissionReplayed(get, missionId, events);

      const timeline = (await get(`/v1/missions/${missionId}/timeline?limit=500`)).body.items;
      const expectedTimeline = [...missionTimeline(events)]
        .reverse()
        .slice(0, 500)
        .map(({ missionId: _missionId, country: _country, ...item }) => item);
      expect(timeline).toEqual(expectedTimeline);

      const listed = list.find((m: { missionId: string }) => m.missionId === missionId);
      expect(listed).toMatchObject({ streamVersion: events.length, personnel: personnelTotals(personnel) });
    }
  }, 180_000);
});
