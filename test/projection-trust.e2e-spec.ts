// The totals people rely on never stop and never read zero because of what is in the log:
// a failed rebuild never replaces good totals, events written by a newer release are waited
// for (not failed), and no accepted event can overflow a counter.
import { established, personnelEvent } from './support/events';
import { expectEventually } from './support/eventually';
import { Harness, startHarness } from './support/projection-harness';

const append = (h: Harness, missionId: string, events: unknown[]) => h.api.request('POST', `/v1/missions/${missionId}/events`, { body: { events } });

async function projection(h: Harness, name: string) {
  const { body } = await h.api.request('GET', '/v1/projections');
  return body.projections.find((p: { name: string }) => p.name === name);
}

/** An event written past the API, as a release with other code would have written it. */
async function insertRaw(h: Harness, missionId: string, type: string, data: unknown, schemaVersion = 1): Promise<number> {
  const { rows } = await h.db.pool.query<{ position: number }>(
    `WITH s AS (UPDATE streams SET version = version + 1 WHERE mission_id = $1 RETURNING version)
     INSERT INTO events (id, mission_id, version, type, schema_version, occurred_at, data, metadata)
     SELECT gen_random_uuid(), $1, s.version, $2, $4, now(), $3, '{}' FROM s RETURNING position`,
    [missionId, type, JSON.stringify(data), schemaVersion],
  );
  return rows[0].position;
}

describe('a failed rebuild never replaces good totals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('trust_rebuild');
  });
  afterAll(() => h.close());

  it('keeps answering from the last good generation when the live one has failed and the rebuild fails too', async () => {
    // given good totals in the live generation
    expect((await append(h, 'good', [established(), personnelEvent('PersonnelPledged', 'KEN', 1000)])).status).toBe(201);
    const head = await h.quiesce();
    const good = (await h.api.request('GET', `/v1/missions/good/personnel?minPosition=${head}`)).body;
    expect(good.pledged).toBe(1000);

    // when a poison event (one no fold can store) fails the live personnel generation
    await insertRaw(h, 'good', 'PersonnelPledged', { country: 'KEN', personnel: 'many' });
    await append(h, 'good', [personnelEvent('PersonnelPledged', 'CAN', 1)]);
    await expectEventually(async () => expect((await projection(h, 'personnel')).status).toBe('failed'));

    // and an admin's rebuild fails on the same event
    expect((await h.api.request('POST', '/v1/projections/personnel/rebuild')).status).toBe(202);
    await expectEventually(async () => {
      const { rows } = await h.db.pool.query(
        `SELECT c.last_error FROM projection_checkpoints c JOIN projection_generations g USING (name, generation) WHERE g.name = 'personnel' AND g.state = 'building'`,
      );
      expect(rows[0]?.last_error).toContain('position');
    });
    // (several sweeps later: nothing was switched over, nothing purged)
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    // then the failed rebuild never went live, and the last good state keeps answering
    const { rows } = await h.db.pool.query(`SELECT generation, state FROM projection_generations WHERE name = 'personnel' ORDER BY generation`);
    expect(rows).toEqual([
      { generation: 1, state: 'live' },
      { generation: 2, state: 'building' },
    ]);
    const read = await h.api.request('GET', '/v1/missions/good/personnel');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(good);
    expect((await h.api.request('GET', '/v1/missions')).body.missions[0].personnel.pledged).toBe(1000);
    expect((await projection(h, 'personnel')).status).toBe('failed');
    // the other projections carry on
    expect(await projection(h, 'funding')).toMatchObject({ status: 'live', lagEvents: 0 });
  });
});

describe('events written by a newer release', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('trust_newer');
  });
  afterAll(() => h.close());

  it('are waited for with backoff, reported, and applied once readable — never a failed projection', async () => {
    expect((await append(h, 'rolling', [established(), personnelEvent('PersonnelPledged', 'KEN', 10)])).status).toBe(201);
    await h.quiesce();
    // given an unknown event type in the log, then an event this release can read
    const unknown = await insertRaw(h, 'rolling', 'MeteorStrike', { craters: 3 });
    expect((await append(h, 'rolling', [personnelEvent('PersonnelPledged', 'KEN', 5)])).status).toBe(201);

    // then every projection stops just before it, waiting (not failed), and says why
    const waiting = await expectEventually(async () => {
      const p = await projection(h, 'personnel');
      expect(p).toMatchObject({ status: 'live', position: unknown - 1, retry: { attempts: expect.any(Number) } });
      expect(p.lastError).toContain('unknown event type "MeteorStrike"');
      expect(p.lagEvents).toBe(2);
      return p;
    });
    expect(waiting.lagSeconds).toBeGreaterThanOrEqual(0);
    const metrics = (await h.api.request('GET', '/metrics', { key: null })).body as string;
    expect(metrics).toMatch(/mission_tracker_projection_condition\{projection="personnel",condition="waiting"\} 1/);
    expect(metrics).toMatch(/mission_tracker_projection_condition\{projection="personnel",condition="failed"\} 0/);
    // the log itself still reads, the unknown event as stored
    const log = await h.api.request('GET', '/v1/events?after=0');
    expect(log.status).toBe(200);
    expect(log.body.events.find((e: { position: number }) => e.position === unknown)).toMatchObject({ type: 'MeteorStrike', data: { craters: 3 } });
    // and retries back off: a few attempts, not one per sweep of every worker
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await projection(h, 'personnel')).retry.attempts).toBeLessThanOrEqual(4);

    // when a release that can read it is running (simulated: the event becomes readable)
    await h.db.pool.query(`UPDATE events SET type = 'SupportDeclared', data = '{"supporter":"USA"}' WHERE position = $1`, [unknown]);
    // then the projections resume by themselves, and the waiting is cleared
    await h.quiesce(90_000);
    expect(await projection(h, 'personnel')).toMatchObject({ status: 'live', lastError: null, retry: null, lagEvents: 0, lagSeconds: 0 });
    expect((await h.api.request('GET', '/v1/missions/rolling/personnel')).body.pledged).toBe(15);
  }, 120_000);

  it('a newer schema version of a known type is waited for in the same way', async () => {
    const newer = await insertRaw(h, 'rolling', 'PersonnelPledged', { country: 'KEN', personnel: { police: 3 } }, 2);
    const p = await expectEventually(async () => {
      const status = await projection(h, 'personnel');
      expect(status.retry).not.toBeNull();
      return status;
    });
    expect(p).toMatchObject({ status: 'live', position: newer - 1 });
    expect(p.lastError).toContain('schema version 2 is newer than this code');
  });
});

describe('personnel totals at the limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('trust_limits');
  });
  afterAll(() => h.close());

  it('sums beyond 32 bits read back exactly, and the event that would pass the per-country limit is a 422', async () => {
    const tenMillion = (country: string) => Array.from({ length: 100 }, () => personnelEvent('PersonnelPledged', country, 10_000_000));
    expect((await append(h, 'huge', [established()])).status).toBe(201);
    for (const country of ['KEN', 'USA', 'CAN']) expect((await append(h, 'huge', tenMillion(country))).status).toBe(201);
    const refused = await append(h, 'huge', [personnelEvent('PersonnelPledged', 'KEN', 1)]);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ type: '/problems/personnel-limit-exceeded', errors: [{ path: 'events[0].data.personnel' }] });

    const head = await h.quiesce();
    const personnel = await h.api.request('GET', `/v1/missions/huge/personnel?minPosition=${head}`);
    expect(personnel.status).toBe(200);
    expect(personnel.body.pledged).toBe(3_000_000_000);
    const list = await h.api.request('GET', '/v1/missions');
    expect(list.status).toBe(200);
    expect(list.body.missions[0].personnel.pledged).toBe(3_000_000_000);
    expect(await projection(h, 'personnel')).toMatchObject({ status: 'live', lastError: null });
    const asOf = await h.api.request('GET', '/v1/missions/huge/personnel?asOf=2100-01-01');
    expect(asOf.body.pledged).toBe(3_000_000_000);
  });

  it('funding sums far beyond any number of the largest amounts read back exactly', async () => {
    // A million of the largest amounts (just under 10^20 each) sum to about 10^26: a sum of
    // 10^30 stands for far more (written past the API, which caps each amount).
    const big = '1' + '0'.repeat(30) + '.0001';
    expect((await append(h, 'rich', [established(), { type: 'FundingPledged', occurredAt: '2024-01-01', data: { donor: 'USA', amount: '99999999999999999999.9999', currency: 'USD' } }])).status).toBe(201);
    await insertRaw(h, 'rich', 'FundingPledged', { donor: 'USA', amount: big, currency: 'USD' });
    await append(h, 'rich', [personnelEvent('PersonnelPledged', 'KEN', 1)]);
    const head = await h.quiesce();
    const funding = await h.api.request('GET', `/v1/missions/rich/funding?minPosition=${head}`);
    // 10^30 + 0.0001 + (10^20 - 0.0001) = 10^30 + 10^20, exactly
    expect(funding.body.byDonor[0].pledged).toBe('1' + '0'.repeat(9) + '1' + '0'.repeat(20));
    expect(await projection(h, 'funding')).toMatchObject({ status: 'live', lastError: null });
  });
});

