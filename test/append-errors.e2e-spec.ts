// Every error status of the API, over real HTTP: each one is an RFC 9457 problem with a
// useful detail and no internals, and each one leaves the event log exactly as it was.
import { randomUUID } from 'node:crypto';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established } from './support/events';
import { startTestApi, TestApi, TestResponse } from './support/test-api';

const MISSION = 'mss-errors';
const ESTABLISHED = established('Errors mission');
const departed = (personnel: unknown) => ({ type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel } });
const arrived = (personnel: number) => ({ type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel } });
const withdrawn = (personnel: number) => ({ type: 'PersonnelWithdrawn', occurredAt: '2024-07-01', data: { country: 'KEN', personnel } });
const VALID_APPEND = { events: [departed(10)] };

/** Text that would mean internals leaked into a response body. */
const STACK_TRACE = /\n\s+at |\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/work\//;
const SQL_TEXT = /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|pg_advisory|ON CONFLICT|duplicate key|violates|constraint|relation "|syntax error|idempotency_keys|streams_pkey)\b/i;
const LOW_LEVEL = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|FST_ERR|PrismaClient|127\.0\.0\.1|postgresql:\/\//;

function expectProblem(response: TestResponse, status: number, detail?: RegExp): void {
  expect({ status: response.status, body: response.body }).toEqual(expect.objectContaining({ status }));
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  const body = response.body;
  expect(typeof body).toBe('object');
  expect(body.status).toBe(status);
  expect(typeof body.type).toBe('string');
  expect(body.type.length).toBeGreaterThan(0);
  expect(typeof body.title).toBe('string');
  expect(body.title.length).toBeGreaterThan(0);
  expect(typeof body.detail).toBe('string');
  expect(body.detail.trim().length).toBeGreaterThanOrEqual(15);
  if (detail) expect(body.detail).toMatch(detail);
  expect(body).not.toHaveProperty('stack');
  expect(body).not.toHaveProperty('query');
  const text = JSON.stringify(body);
  expect(text).not.toMatch(STACK_TRACE);
  expect(text).not.toMatch(SQL_TEXT);
  expect(text).not.toMatch(LOW_LEVEL);
  if (body.errors !== undefined) {
    expect(Array.isArray(body.errors)).toBe(true);
    for (const error of body.errors) {
      expect(typeof error.path).toBe('string');
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
  }
}

const paths = (response: TestResponse): string[] => (response.body.errors ?? []).map((error: { path: string }) => error.path);

describe('append and read errors', () => {
  let db: TestDatabase;
  let api: TestApi;
  let viewerKey: string;
  let operatorKey: string;

  /** The whole log as the API and the database see it. */
  async function snapshot() {
    const feed = await api.request('GET', '/v1/events?after=0&limit=1000');
    expect(feed.status).toBe(200);
    const stream = await api.request('GET', `/v1/missions/${MISSION}/events?limit=1000`);
    expect(stream.status).toBe(200);
    const streams = await db.pool.query('SELECT mission_id, version FROM streams ORDER BY mission_id');
    const count = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    return {
      feed: feed.body.events.map((event: { id: string; position: number }) => `${event.position}:${event.id}`),
      next: feed.body.next,
      streamVersion: stream.body.events[stream.body.events.length - 1].version,
      streams: streams.rows,
      eventRows: count.rows[0].n,
    };
  }

  /** Sends the request, checks it is the given problem, and that the log did not change. */
  async function expectRejected(status: number, send: () => Promise<TestResponse>, detail?: RegExp): Promise<TestResponse> {
    const before = await snapshot();
    const response = await send();
    expectProblem(response, status, detail);
    expect(await snapshot()).toEqual(before);
    return response;
  }

  const append = (body: unknown, options: { mission?: string; key?: string | null; headers?: Record<string, string> } = {}) =>
    api.request('POST', `/v1/missions/${options.mission ?? MISSION}/events`, { body, key: options.key, headers: options.headers });

  async function createKey(name: string, role: string): Promise<{ id: string; key: string }> {
    const created = await api.request('POST', '/v1/api-keys', { body: { name, role } });
    expect(created.status).toBe(201);
    return created.body;
  }

  beforeAll(async () => {
    db = await createTestDatabase('append_errors');
    api = await startTestApi(db.url);
    // KEN: 100 deployed, so a withdrawal of more than 100 breaks a domain rule.
    const setup = await append({ expectedVersion: 0, events: [ESTABLISHED, arrived(100)] });
    expect(setup.status).toBe(201);
    expect(setup.body.streamVersion).toBe(2);
    viewerKey = (await createKey('errors-viewer', 'viewer')).key;
    operatorKey = (await createKey('errors-operator', 'operator')).key;
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('400', () => {
    it('refuses a body that is not valid JSON', async () => {
      await expectRejected(
        400,
        () => api.request('POST', `/v1/missions/${MISSION}/events`, { rawBody: '{"events": [{"type": "ContingentDeparted",', headers: { 'content-type': 'application/json' } }),
        /JSON/,
      );
    });

    it('refuses an empty JSON body', async () => {
      await expectRejected(400, () =>
        api.request('POST', `/v1/missions/${MISSION}/events`, { rawBody: '', headers: { 'content-type': 'application/json' } }),
      );
    });

    it('refuses a JSON body that is not an object', async () => {
      await expectRejected(400, () => append([departed(10)]));
    });

    it.each([
      ['a personnel count given as a string', [departed('400')], 'events[0].data.personnel'],
      ['a non-integer personnel count', [departed(1.5)], 'events[0].data.personnel'],
      ['a personnel count of 0', [departed(0)], 'events[0].data.personnel'],
      ['an unknown event type', [{ type: 'ContingentTeleported', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 1 } }], 'events[0].type'],
      ['an unknown field inside data', [{ ...departed(10), data: { country: 'KEN', personnel: 10, colour: 'blue' } }], 'events[0].data.colour'],
      ['a missing field inside data', [{ type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN' } }], 'events[0].data.personnel'],
      ['a country that is not ISO 3166-1 alpha-3', [{ ...departed(10), data: { country: 'KENYA', personnel: 10 } }], 'events[0].data.country'],
      ['an amount with an exponent', [{ type: 'FundingPledged', occurredAt: '2024-01-01', data: { donor: 'USA', amount: '3e8', currency: 'USD' } }], 'events[0].data.amount'],
      ['an amount given as a number', [{ type: 'FundingPledged', occurredAt: '2024-01-01', data: { donor: 'USA', amount: 300, currency: 'USD' } }], 'events[0].data.amount'],
      ['an unknown currency', [{ type: 'FundingPledged', occurredAt: '2024-01-01', data: { donor: 'USA', amount: '10', currency: 'XYZ' } }], 'events[0].data.currency'],
      ['an occurredAt that is not a date', [{ ...departed(10), occurredAt: '24 June 2024' }], 'events[0].occurredAt'],
      ['an impossible date', [{ ...departed(10), occurredAt: '2024-02-30' }], 'events[0].occurredAt'],
      ['an unknown field in the event', [{ ...departed(10), colour: 'blue' }], 'events[0].colour'],
      ['metadata that is not an object', [{ ...departed(10), metadata: 'someone-else' }], 'events[0].metadata'],
      ['a bad second event', [departed(10), departed(-3)], 'events[1].data.personnel'],
    ])('refuses %s with a precise error path', async (_, events, path) => {
      const response = await expectRejected(400, () => append({ events }));
      expect(paths(response)).toContain(path);
      // The detail names the field too, so a person reading a log line can fix it.
      expect(response.body.detail).toContain(path);
    });

    it('refuses an unknown top-level field', async () => {
      const response = await expectRejected(400, () => append({ ...VALID_APPEND, dryRun: true }));
      expect(paths(response)).toEqual(['dryRun']);
    });

    it.each([
      ['no events', { events: [] }, 'events'],
      ['events missing', { expectedVersion: 2 }, 'events'],
      ['a negative expectedVersion', { expectedVersion: -1, events: [departed(10)] }, 'expectedVersion'],
      ['a non-integer expectedVersion', { expectedVersion: 1.5, events: [departed(10)] }, 'expectedVersion'],
      ['a string expectedVersion', { expectedVersion: '2', events: [departed(10)] }, 'expectedVersion'],
      ['more than 1000 events', { events: Array.from({ length: 1001 }, () => departed(1)) }, 'events'],
    ])('refuses %s', async (_, body, path) => {
      const response = await expectRejected(400, () => append(body));
      expect(paths(response)).toContain(path);
    });

    it('lists every problem of a batch at once', async () => {
      const response = await expectRejected(400, () => append({ events: [departed('x'), departed(5), { ...departed(5), occurredAt: 'soon' }] }));
      expect(paths(response)).toEqual(expect.arrayContaining(['events[0].data.personnel', 'events[2].occurredAt']));
      expect(paths(response).some((path) => path.startsWith('events[1]'))).toBe(false);
    });

    it.each([
      ['/v1/missions/mss-errors/events?limit=1001', 'limit'],
      ['/v1/missions/mss-errors/events?limit=-1', 'limit'],
      ['/v1/missions/mss-errors/events?limit=ten', 'limit'],
      ['/v1/missions/mss-errors/events?limit=1.5', 'limit'],
      ['/v1/missions/mss-errors/events?fromVersion=-1', 'fromVersion'],
      ['/v1/missions/mss-errors/events?fromVersion=abc', 'fromVersion'],
      ['/v1/events?limit=1001', 'limit'],
      ['/v1/events?limit=-5', 'limit'],
      ['/v1/events?limit=lots', 'limit'],
      ['/v1/events?after=-1', 'after'],
      ['/v1/events?after=abc', 'after'],
      ['/v1/events?after=1e3', 'after'],
    ])('refuses the paging of GET %s', async (path, field) => {
      const response = await expectRejected(400, () => api.request('GET', path));
      expect(paths(response)).toContain(field);
    });

    it('accepts the largest limit (control for the paging cases)', async () => {
      expect((await api.request('GET', '/v1/events?after=0&limit=1000')).status).toBe(200);
      expect((await api.request('GET', `/v1/missions/${MISSION}/events?fromVersion=1&limit=1000`)).status).toBe(200);
    });

    it.each(['MSS-Errors', 'mss_errors', 'a', '-mss', `m${'x'.repeat(63)}`])('refuses the mission id "%s"', async (missionId) => {
      const established = { events: [ESTABLISHED] };
      const post = await expectRejected(400, () => append(established, { mission: missionId }), /mission id/i);
      expect(post.body.errors.length).toBeGreaterThan(0);
      await expectRejected(400, () => api.request('GET', `/v1/missions/${missionId}/events`), /mission id/i);
    });
  });

  describe('401', () => {
    it('refuses an append without an API key', async () => {
      const response = await expectRejected(401, () => append(VALID_APPEND, { key: null }));
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('refuses reads without an API key', async () => {
      await expectRejected(401, () => api.request('GET', '/v1/events', { key: null }));
      await expectRejected(401, () => api.request('GET', `/v1/missions/${MISSION}/events`, { key: null }));
    });

    it('refuses an unknown API key', async () => {
      await expectRejected(401, () => append(VALID_APPEND, { key: 'mt_thisKeyWasNeverIssuedByTheServer0000000000' }));
    });

    it('refuses an Authorization header that is not Bearer', async () => {
      await expectRejected(401, () =>
        api.request('POST', `/v1/missions/${MISSION}/events`, { body: VALID_APPEND, key: null, headers: { authorization: 'Basic b3BzOnNlY3JldA==' } }),
      );
    });

    it('refuses a revoked API key', async () => {
      const { id, key } = await createKey('soon-revoked', 'operator');
      expect((await api.request('GET', '/v1/events', { key })).status).toBe(200);
      expect((await api.request('DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
      await expectRejected(401, () => append(VALID_APPEND, { key }));
    });
  });

  describe('403', () => {
    it('refuses a viewer appending', async () => {
      await expectRejected(403, () => append(VALID_APPEND, { key: viewerKey }), /operator/);
    });

    it('refuses an operator creating, listing or revoking API keys', async () => {
      const before = await api.request('GET', '/v1/api-keys');
      const created = await expectRejected(403, () => api.request('POST', '/v1/api-keys', { body: { name: 'sneaky', role: 'admin' }, key: operatorKey }), /admin/);
      expect(created.body).not.toHaveProperty('key');
      await expectRejected(403, () => api.request('GET', '/v1/api-keys', { key: operatorKey }));
      const victim = before.body.apiKeys[0];
      await expectRejected(403, () => api.request('DELETE', `/v1/api-keys/${victim.id}`, { key: operatorKey }));
      // Nothing changed among the keys either.
      expect((await api.request('GET', '/v1/api-keys')).body).toEqual(before.body);
    });
  });

  describe('404', () => {
    it('refuses an append to a missing mission whose first event is not MissionEstablished', async () => {
      const response = await expectRejected(404, () => append({ events: [departed(10), ESTABLISHED] }, { mission: 'mss-nowhere' }), /MissionEstablished|does not exist/);
      expect(paths(response)).toContain('events[0].type');
      expect((await api.request('GET', '/v1/missions/mss-nowhere/events')).status).toBe(404);
    });

    it('answers 404 for the events of a missing mission', async () => {
      await expectRejected(404, () => api.request('GET', '/v1/missions/mss-nowhere/events'), /mss-nowhere/);
    });

    it('answers 404 when revoking an unknown API key', async () => {
      await expectRejected(404, () => api.request('DELETE', `/v1/api-keys/${randomUUID()}`));
      await expectRejected(404, () => api.request('DELETE', '/v1/api-keys/not-a-uuid'));
    });
  });

  describe('409', () => {
    it.each([1, 3, 0])('refuses expectedVersion %i when the stream is at 2, with currentVersion', async (expectedVersion) => {
      const response = await expectRejected(409, () => append({ expectedVersion, events: [departed(10)] }), /version/);
      expect(response.body.currentVersion).toBe(2);
    });

    it('refuses MissionEstablished on an existing mission', async () => {
      const response = await expectRejected(409, () => append({ events: [ESTABLISHED] }));
      expect(paths(response)).toContain('events[0].type');
    });

    it('refuses MissionEstablished later in a batch on an existing mission', async () => {
      await expectRejected(409, () => append({ events: [departed(10), ESTABLISHED] }));
    });

    it('refuses a second MissionEstablished inside the batch that creates a mission', async () => {
      await expectRejected(409, () => append({ events: [ESTABLISHED, ESTABLISHED] }, { mission: 'mss-twice' }));
      expect((await api.request('GET', '/v1/missions/mss-twice/events')).status).toBe(404);
    });
  });

  describe('413', () => {
    it('refuses a body over 1 MiB, even one that would otherwise be valid', async () => {
      // 1000 events of about 1.1 KiB each: within every per-field limit, but over 1 MiB in all.
      const statement = 'x'.repeat(1100);
      const events = [ESTABLISHED, ...Array.from({ length: 999 }, () => ({ type: 'SupportDeclared', occurredAt: '2024-01-02', data: { supporter: 'CAN', statement } }))];
      const rawBody = JSON.stringify({ events });
      expect(rawBody.length).toBeGreaterThan(1024 * 1024);
      await expectRejected(
        413,
        () => api.request('POST', '/v1/missions/mss-big/events', { rawBody, headers: { 'content-type': 'application/json' } }),
        /1 MiB|too large/i,
      );
      expect((await api.request('GET', '/v1/missions/mss-big/events')).status).toBe(404);
    });
  });

  describe('415', () => {
    it('refuses a text/plain body (even when the text is JSON)', async () => {
      await expectRejected(
        415,
        () => api.request('POST', `/v1/missions/${MISSION}/events`, { rawBody: JSON.stringify(VALID_APPEND), headers: { 'content-type': 'text/plain' } }),
        /JSON/,
      );
    });

    it('refuses a form-encoded body', async () => {
      await expectRejected(415, () =>
        api.request('POST', `/v1/missions/${MISSION}/events`, { rawBody: 'events=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      );
    });
  });

  describe('422', () => {
    it('refuses a withdrawal of more personnel than deployed', async () => {
      const response = await expectRejected(422, () => append({ events: [withdrawn(101)] }), /101.*100|withdraw/);
      expect(paths(response)).toEqual(['events[0].data.personnel']);
    });

    it('refuses a withdrawal for a country with nobody deployed', async () => {
      await expectRejected(422, () => append({ events: [{ ...withdrawn(1), data: { country: 'CAN', personnel: 1 } }] }));
    });

    it('refuses the same Idempotency-Key with a different body', async () => {
      const headers = { 'idempotency-key': 'errors-reused-key' };
      const first = await append({ events: [departed(1)] }, { headers });
      expect(first.status).toBe(201);
      await expectRejected(422, () => append({ events: [departed(2)] }, { headers }), /Idempotency-Key/);
    });
  });

  describe('all or none', () => {
    it('appends nothing when the 3rd event of a batch is invalid', async () => {
      const response = await expectRejected(400, () => append({ events: [departed(5), arrived(5), departed(0)] }));
      expect(paths(response)).toEqual(['events[2].data.personnel']);
    });

    it('appends nothing when the 3rd event of a batch breaks a domain rule', async () => {
      // 100 deployed + 5 arriving = 105: withdrawing 106 is one too many.
      const response = await expectRejected(422, () => append({ events: [departed(5), arrived(5), withdrawn(106)] }));
      expect(paths(response)).toEqual(['events[2].data.personnel']);
    });

    it('creates no mission when the 3rd event of its first batch breaks a domain rule', async () => {
      const events = [ESTABLISHED, { type: 'PersonnelRequirementSet', occurredAt: '2024-01-01', data: { required: 10 } }, withdrawn(1)];
      await expectRejected(422, () => append({ expectedVersion: 0, events }, { mission: 'mss-stillborn' }));
      expect((await api.request('GET', '/v1/missions/mss-stillborn/events')).status).toBe(404);
      // The same mission can then be created: the failed attempt left nothing behind.
      const created = await append({ expectedVersion: 0, events: events.slice(0, 2) }, { mission: 'mss-stillborn' });
      expect(created.status).toBe(201);
      expect(created.body.streamVersion).toBe(2);
    });

    it('counts the earlier events of the batch (control: the rule is not over-eager)', async () => {
      const created = await append({ events: [ESTABLISHED, arrived(5), withdrawn(5)] }, { mission: 'mss-control' });
      expect(created.status).toBe(201);
      expect(created.body.streamVersion).toBe(3);
    });
  });

  describe('503', () => {
    let deadApi: TestApi;
    beforeAll(async () => {
      // Port 1 is closed: PostgreSQL is unreachable for this API.
      deadApi = await startTestApi('postgresql://postgres@127.0.0.1:1/nothing');
    });
    afterAll(async () => {
      await deadApi?.close();
    });

    it('answers an append with 503 and Retry-After when PostgreSQL is unreachable', async () => {
      const before = await snapshot();
      const response = await deadApi.request('POST', `/v1/missions/${MISSION}/events`, { body: VALID_APPEND });
      expectProblem(response, 503, /PostgreSQL/);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await snapshot()).toEqual(before);
    });

    it('answers a read with 503 and Retry-After when PostgreSQL is unreachable', async () => {
      const response = await deadApi.request('GET', '/v1/events');
      expectProblem(response, 503, /PostgreSQL/);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    });

    it('answers 503, not 500, when the API key cannot be checked because PostgreSQL is unreachable', async () => {
      const response = await deadApi.request('POST', `/v1/missions/${MISSION}/events`, { body: VALID_APPEND, key: operatorKey });
      expectProblem(response, 503, /PostgreSQL/);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    });
  });
});
