// Read models through the HTTP API, built by a real worker process from the real log.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { established, fundingEvent, personnelEvent } from './support/events';
import { TEST_REDIS_URL } from './support/environment';
import { startHarness, Harness } from './support/projection-harness';
import { expectEventually } from './support/eventually';

const append = (h: Harness, missionId: string, events: unknown[], extra: Record<string, unknown> = {}) =>
  h.api.request('POST', `/v1/missions/${missionId}/events`, { body: { ...extra, events } });


describe('read models', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('read_models', 1, { PROJECTION_BATCH_SIZE: '50' });
  });
  afterAll(() => h.close());

  it('npm run seed gives exactly the totals of CONTRACT section 9', async () => {
    const seed = spawn(process.execPath, [join(__dirname, '..', 'dist', 'scripts', 'seed.js')], {
      env: { ...process.env, DATABASE_URL: h.db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: h.api.redisPrefix },
    });
    let output = '';
    seed.stdout.on('data', (c) => (output += c));
    seed.stderr.on('data', (c) => (output += c));
    const code = await new Promise((resolve) => seed.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('seeded mss-haiti: 8 events') });

    const head = await h.quiesce();
    const personnel = await h.api.request('GET', `/v1/missions/mss-haiti/personnel?minPosition=${head}`);
    expect(personnel.status).toBe(200);
    expect(personnel.body).toMatchObject({ missionId: 'mss-haiti', required: 5000, pledged: 1000, departed: 400, inTransit: 400, deployed: 0, withdrawn: 0 });
    expect(personnel.body.byCountry).toEqual([{ country: 'KEN', pledged: 1000, departed: 400, inTransit: 400, deployed: 0, withdrawn: 0 }]);

    const money = await h.api.request('GET', '/v1/missions/mss-haiti/funding');
    expect(money.body.byCurrency).toEqual([{ currency: 'USD', pledged: '300000000', committed: '0', disbursed: '0' }]);
    expect(money.body.byDonor).toEqual([{ donor: 'USA', currency: 'USD', pledged: '300000000', committed: '0', disbursed: '0' }]);

    const timeline = await h.api.request('GET', '/v1/missions/mss-haiti/timeline');
    expect(timeline.body.items).toHaveLength(8);
    expect(timeline.body.items[0]).toMatchObject({ version: 8, type: 'ContingentDeparted', summary: 'Kenya: 400 personnel departed' });

    const list = await h.api.request('GET', '/v1/missions');
    expect(list.body.missions).toContainEqual(
      expect.objectContaining({
        missionId: 'mss-haiti',
        name: 'Multinational Security Support mission to Haiti',
        hostCountry: 'HTI',
        streamVersion: 8,
        personnel: { required: 5000, authorized: null, pledged: 1000, departed: 400, inTransit: 400, deployed: 0, withdrawn: 0 },
      }),
    );
  });

  it('asOf folds only what occurred by the end of that day, whatever order events were posted in', async () => {
    // posted out of occurredAt order: the arrival (July) before the departure (June) was recorded
    await append(h, 'asof', [established(), personnelEvent('PersonnelPledged', 'KEN', 1000, '2024-03-01')]);
    await append(h, 'asof', [personnelEvent('ContingentArrived', 'KEN', 400, '2024-07-15T10:00:00Z')]);
    await append(h, 'asof', [personnelEvent('ContingentDeparted', 'KEN', 400, '2024-06-24T18:00:00Z')]);
    await append(h, 'asof', [personnelEvent('PersonnelWithdrawn', 'KEN', 100, '2024-09-01')]);
    await append(h, 'asof', [fundingEvent('FundingPledged', 'USA', '300000000', 'USD', '2024-02-01'), fundingEvent('FundingDisbursed', 'USA', '0.10', 'USD', '2024-08-01')]);

    const at = async (date: string) => (await h.api.request('GET', `/v1/missions/asof/personnel?asOf=${date}`)).body;
    expect(await at('2023-12-31')).toMatchObject({ required: 0, pledged: 0, departed: 0, inTransit: 0, deployed: 0, withdrawn: 0 });
    expect(await at('2024-03-01')).toMatchObject({ pledged: 1000, departed: 0, deployed: 0 });
    expect(await at('2024-06-24')).toMatchObject({ pledged: 1000, departed: 400, inTransit: 400, deployed: 0 });
    // Folded in log order, the arrival came first: 400 arrived with no recorded departure, then
    // the departure put 400 in transit. The replay must give the same answer as the projection.
    const july = await at('2024-07-31');
    expect(july).toMatchObject({ departed: 800, inTransit: 400, deployed: 400, withdrawn: 0 });
    expect(await at('2024-09-01')).toMatchObject({ deployed: 300, withdrawn: 100 });

    const fundingAt = async (date: string) => (await h.api.request('GET', `/v1/missions/asof/funding?asOf=${date}`)).body.byCurrency;
    expect(await fundingAt('2024-01-31')).toEqual([]);
    expect(await fundingAt('2024-07-31')).toEqual([{ currency: 'USD', pledged: '300000000', committed: '0', disbursed: '0' }]);
    expect(await fundingAt('2024-08-01')).toEqual([{ currency: 'USD', pledged: '300000000', committed: '0', disbursed: '0.1' }]);

    // Without asOf, the projection (built by the worker) equals the replay of everything.
    const head = await h.quiesce();
    const live = (await h.api.request('GET', `/v1/missions/asof/personnel?minPosition=${head}`)).body;
    const replay = await at('2100-01-01');
    expect({ ...live, position: 0 }).toEqual({ ...replay, position: 0 });
  });

  it('minPosition: a read with the position a write returned always sees that write', async () => {
    await append(h, 'ryw', [established()]);
    for (let i = 1; i <= 15; i++) {
      const write = await append(h, 'ryw', [personnelEvent('PersonnelPledged', 'CAN', 1)]);
      const position = write.body.events[0].position;
      const read = await h.api.request('GET', `/v1/missions/ryw/personnel?minPosition=${position}`);
      expect(read.status).toBe(200);
      expect(read.body.position).toBeGreaterThanOrEqual(position);
      expect(read.body.pledged).toBe(i);
    }
  });

  it('minPosition beyond the log answers 503 with Retry-After after waiting', async () => {
    const started = Date.now();
    const read = await h.api.request('GET', '/v1/missions/ryw/timeline?minPosition=999999999');
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    expect(read.headers.get('content-type')).toContain('application/problem+json');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
  }, 20_000);

  it('money is exact: 0.10 + 0.20 and amounts near 10^15', async () => {
    await append(h, 'money', [
      established(),
      fundingEvent('FundingPledged', 'EU', '0.10', 'EUR'),
      fundingEvent('FundingPledged', 'EU', '0.20', 'EUR'),
      fundingEvent('FundingPledged', 'World Bank', '999999999999999.9999', 'USD'),
      fundingEvent('FundingPledged', 'World Bank', '0.0001', 'USD'),
      fundingEvent('FundingCommitted', 'USA', '1000000000000000', 'USD'),
      fundingEvent('FundingPledgeRevised', 'EU', '0', 'EUR'),
      fundingEvent('FundingPledged', 'EU', '0.30', 'EUR'),
    ]);
    const head = await h.quiesce();
    const { body } = await h.api.request('GET', `/v1/missions/money/funding?minPosition=${head}`);
    expect(body.byDonor).toEqual([
      { donor: 'EU', currency: 'EUR', pledged: '0.3', committed: '0', disbursed: '0' },
      { donor: 'USA', currency: 'USD', pledged: '0', committed: '1000000000000000', disbursed: '0' },
      { donor: 'World Bank', currency: 'USD', pledged: '1000000000000000', committed: '0', disbursed: '0' },
    ]);
    expect(body.byCurrency).toEqual([
      { currency: 'EUR', pledged: '0.3', committed: '0', disbursed: '0' },
      { currency: 'USD', pledged: '1000000000000000', committed: '1000000000000000', disbursed: '0' },
    ]);
    for (const row of [...body.byDonor, ...body.byCurrency]) for (const k of ['pledged', 'committed', 'disbursed']) expect(typeof row[k]).toBe('string');
  });

  it('unknown missions are 404 on every read model; bad query values are 400', async () => {
    for (const path of ['personnel', 'funding', 'timeline']) {
      const response = await h.api.request('GET', `/v1/missions/no-such-mission/${path}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await h.api.request('GET', '/v1/missions/ryw/personnel?asOf=July')).status).toBe(400);
    expect((await h.api.request('GET', '/v1/missions/ryw/personnel?minPosition=-1')).status).toBe(400);
    expect((await h.api.request('GET', '/v1/missions/ryw/timeline?limit=1001')).status).toBe(400);
    expect((await h.api.request('GET', '/v1/missions/ryw/timeline?limit=1000')).status).toBe(200);
  });

  it('timeline pages newest first with before', async () => {
    const first = (await h.api.request('GET', '/v1/missions/ryw/timeline?limit=5')).body.items;
    expect(first).toHaveLength(5);
    for (let i = 1; i < first.length; i++) expect(first[i].position).toBeLessThan(first[i - 1].position);
    const next = (await h.api.request('GET', `/v1/missions/ryw/timeline?limit=5&before=${first[4].position}`)).body.items;
    expect(next[0].position).toBeLessThan(first[4].position);
  });

  it('rebuild: reads never see partial totals while it runs, and afterwards equal the replay', async () => {
    const missionId = 'rebuild';
    await append(h, missionId, [established(), personnelEvent('ContingentArrived', 'KEN', 10)]);
    for (let i = 0; i < 6; i++) {
      await append(h, missionId, Array.from({ length: 200 }, () => personnelEvent('PersonnelPledged', 'KEN', 1)));
    }
    const head = await h.quiesce();
    const expected = (await h.api.request('GET', `/v1/missions/${missionId}/personnel?minPosition=${head}`)).body;
    expect(expected.pledged).toBe(1200);

    const rebuild = await h.api.request('POST', '/v1/projections/personnel/rebuild');
    expect(rebuild.status).toBe(202);
    let sawRebuilding = false;
    let reads = 0;
    for (;;) {
      const [read, status] = await Promise.all([
        h.api.request('GET', `/v1/missions/${missionId}/personnel`),
        h.api.request('GET', '/v1/projections'),
      ]);
      reads++;
      expect(read.body).toEqual(expected); // never a partial total
      const personnel = status.body.projections.find((p: { name: string }) => p.name === 'personnel');
      if (personnel.status === 'rebuilding') sawRebuilding = true;
      else if (sawRebuilding || reads > 200) break;
    }
    expect(sawRebuilding).toBe(true);
    const after = await h.api.request('GET', `/v1/missions/${missionId}/personnel`);
    expect(after.body).toEqual(expected);
    const replay = await h.api.request('GET', `/v1/missions/${missionId}/personnel?asOf=2100-01-01`);
    expect({ ...after.body, position: 0 }).toEqual({ ...replay.body, position: 0 });
    expect((await h.api.request('POST', '/v1/projections/nope/rebuild')).status).toBe(404);
    // The replaced generation's rows are purged in the background, and only those.
    await expectEventually(async () => {
      const { rows } = await h.db.pool.query(
        `SELECT count(*)::int AS n FROM personnel_countries WHERE generation NOT IN (SELECT generation FROM projection_generations WHERE name = 'personnel')`,
      );
      expect(rows[0].n).toBe(0);
    });
    expect((await h.api.request('GET', `/v1/missions/${missionId}/personnel`)).body).toEqual(expected);
  });

  it('a poison event marks the projection failed with lastError instead of spinning', async () => {
    await h.quiesce();
    // An event no fold can apply, written past the API (as a buggy release might have).
    await h.db.pool.query(
      `INSERT INTO events (id, mission_id, version, type, schema_version, occurred_at, data, metadata)
       VALUES (gen_random_uuid(), 'ryw', 1000, 'FundingPledged', 1, now(), '{"donor":"USA","amount":"lots","currency":"USD"}', '{}')`,
    );
    await h.api.request('POST', '/v1/missions/ryw/events', { body: { events: [personnelEvent('PersonnelPledged', 'CAN', 1)] } });
    const failed = await expectEventually(async () => {
      const { body } = await h.api.request('GET', '/v1/projections');
      const funding = body.projections.find((p: { name: string }) => p.name === 'funding');
      expect(funding.status).toBe('failed');
      return funding;
    });
    expect(failed.lastError).toContain('FundingPledged');
    expect(failed.lagEvents).toBeGreaterThan(0);
    expect(failed.retry).toBeNull();
    // Visible in the metrics too.
    const metrics = (await h.api.request('GET', '/metrics', { key: null })).body as string;
    expect(metrics).toMatch(/mission_tracker_projection_condition\{projection="funding",condition="failed"\} 1/);
    // Reads keep answering from the last good state; the other projections carry on.
    expect((await h.api.request('GET', '/v1/missions/ryw/funding')).status).toBe(200);
    await expectEventually(async () => {
      const { body } = await h.api.request('GET', '/v1/projections');
      expect(body.projections.find((p: { name: string }) => p.name === 'personnel')).toMatchObject({ status: 'live', lagEvents: 0 });
    });
  });
});
