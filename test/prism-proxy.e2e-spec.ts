// A judge nobody here wrote: Stoplight Prism, as a validating proxy (`prism proxy --errors`)
// built from the /docs-json the running API serves, in front of that API. Real traffic of
// every operation goes through it — successes and errors — and Prism must find no violation:
// every request the document allows is forwarded, every answer is what the document says
// (status, media type, body schema, headers). Requests the document itself refuses (a limit
// over its maximum, no credentials...) go through a second Prism that judges only the answers
// (`--validate-request false`), so the server's refusals are checked against the document too.
//
// Not through Prism: the live stream (`/live`'s 200 never ends, and Prism reads an answer
// whole before it judges it; its errors are judged), and what Prism itself re-encodes (it
// parses a JSON body and forwards it re-serialised, and answers a body that is not JSON itself,
// so byte-level cases such as broken JSON, duplicate keys or bad UTF-8 cannot pass through it:
// test/hostile-input and test/append-errors cover those).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiProcess, startApiProcess } from './support/api-process';
import { ADMIN_KEY } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { WorkerProcess, startWorker } from './support/worker-process';
import { PrismProxy, PrismViolation, startPrismProxy, violationsOf } from './support/prism-proxy';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { TEST_REDIS_URL } from './support/environment';

interface Exchange {
  /** What the test meant. */
  name: string;
  method: string;
  path: string;
  status: number;
  contentType: string | null;
  violations: PrismViolation[];
  body: any;
  headers: Headers;
  /** Who answered: the API (every answer of ours carries X-Request-Id) or Prism itself. */
  answeredBy: 'api' | 'prism';
  /** Which proxy: the strict one, or the one judging only answers. */
  through: 'strict' | 'answers-only';
}

interface Send {
  /** The bearer key; null for none. Default: the bootstrap admin key. */
  key?: string | null;
  cookie?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

const MISSION = 'mss-prism';

describe('Prism validating proxy in front of the real API (prism proxy --errors, /docs-json)', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let worker: WorkerProcess;
  let strict: PrismProxy;
  let lenient: PrismProxy;
  let dir: string;
  let document: { paths: Record<string, Record<string, unknown>> };
  const exchanges: Exchange[] = [];

  const send = async (through: PrismProxy, name: string, method: string, path: string, options: Send = {}): Promise<Exchange> => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? ADMIN_KEY : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (options.cookie) headers.cookie = options.cookie;
    let body = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${through.baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // CSV, Prometheus text
    }
    const exchange: Exchange = {
      name,
      method,
      path,
      status: response.status,
      contentType: response.headers.get('content-type'),
      violations: violationsOf(response.headers, parsed),
      body: parsed,
      headers: response.headers,
      answeredBy: response.headers.has('x-request-id') ? 'api' : 'prism',
      through: through === strict ? 'strict' : 'answers-only',
    };
    exchanges.push(exchange);
    return exchange;
  };
  /**
   * A request the document allows, through the strict proxy: the API answers `status`, and
   * Prism finds nothing wrong with the request or the answer.
   */
  const exchange = async (status: number, name: string, method: string, path: string, options?: Send) => {
    const sent = await send(strict, name, method, path, options);
    expect({ name, status: sent.status, answeredBy: sent.answeredBy, violations: sent.violations }).toEqual({ name, status, answeredBy: 'api', violations: [] });
    return sent;
  };
  /**
   * A request the document refuses: the strict proxy refuses it too (Prism answers itself: the
   * document states the rule), and through the answers-only proxy the API answers `status` as
   * the document says. Prism checks credentials even then and answers a missing one itself
   * (`credentials: true`): the API's own 401 to such a request cannot be judged through it.
   */
  const refused = async (status: number, name: string, method: string, path: string, options: Send & { credentials?: boolean } = {}) => {
    const judged = await send(strict, name, method, path, options);
    expect({ name, answeredBy: judged.answeredBy, status: judged.status }).toEqual({ name, answeredBy: 'prism', status: options.credentials ? 401 : 422 });
    if (options.credentials) return;
    const sent = await send(lenient, name, method, path, options);
    expect({ name, status: sent.status, answeredBy: sent.answeredBy, violations: sent.violations }).toEqual({ name, status, answeredBy: 'api', violations: [] });
  };

  beforeAll(async () => {
    db = await createTestDatabase('prism');
    api = await startApiProcess(db.url, { LOG_LEVEL: 'warn' });
    worker = await startWorker(db.url, api.redisPrefix);
    const served = await fetch(`${api.baseUrl}/docs-json`);
    expect(served.status).toBe(200);
    document = await served.json();
    dir = await mkdtemp(join(tmpdir(), 'mt-prism-'));
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    [strict, lenient] = await Promise.all([startPrismProxy(file, api.baseUrl), startPrismProxy(file, api.baseUrl, { validateRequest: false })]);
  }, 120_000);

  afterAll(async () => {
    // PRISM_REPORT=<file>: every exchange and Prism's verdict, for a person to read.
    if (process.env.PRISM_REPORT) {
      const report = exchanges.map(
        (e) => `${e.status} ${e.method} ${e.path} (${e.through}, answered by ${e.answeredBy}) ${e.name}${e.violations.length ? `\n    ${JSON.stringify(e.violations)}` : ''}`,
      );
      await writeFile(process.env.PRISM_REPORT, report.join('\n') + '\n');
    }
    await strict?.close();
    await lenient?.close();
    await worker?.kill();
    await api?.kill();
    await deleteRedisPrefix({ REDIS_URL: TEST_REDIS_URL }, api?.redisPrefix ?? 'none').catch(() => undefined);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds no violation in traffic of every operation, successes and errors', async () => {
    // Keys of each role.
    const keyOf = async (role: string) => {
      const created = await exchange(201, `create a ${role} key`, 'POST', '/v1/api-keys', { body: { name: `prism-${role}`, role } });
      expect(created.status).toBe(201);
      return created.body as { id: string; key: string };
    };
    const viewer = await keyOf('viewer');
    const operator = await keyOf('operator');
    const doomed = await keyOf('viewer');
    await exchange(200, 'list the keys', 'GET', '/v1/api-keys');

    // Appends: a new mission with every kind of event, with an Idempotency-Key, and its replay.
    const founding = {
      expectedVersion: 0,
      events: [
        { type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: 'Prism mission', hostCountry: 'HTI', leadNation: 'KEN', mandate: 'S/RES/2699' } },
        { type: 'PersonnelRequirementSet', occurredAt: '2024-01-02', data: { required: 5000 } },
        { type: 'PersonnelPledged', occurredAt: '2024-01-03', data: { country: 'KEN', personnel: 1000, personnelType: 'police' } },
        { type: 'PledgeRevised', occurredAt: '2024-01-04', data: { country: 'KEN', personnel: 1000 } },
        { type: 'SupportDeclared', occurredAt: '2024-01-05', data: { supporter: 'USA', statement: 'full support' } },
        { type: 'FundingPledged', occurredAt: '2024-01-06', data: { donor: 'USA', amount: '300000000', currency: 'USD', channel: 'bilateral' } },
        { type: 'FundingPledgeRevised', occurredAt: '2024-01-07', data: { donor: 'USA', amount: '300000000.00', currency: 'USD' } },
        { type: 'FundingCommitted', occurredAt: '2024-01-08', data: { donor: 'USA', amount: '1000.5', currency: 'USD' } },
        { type: 'FundingDisbursed', occurredAt: '2024-01-09', data: { donor: 'USA', amount: '500', currency: 'USD' } },
        { type: 'FarewellHeld', occurredAt: '2024-06-23', data: { country: 'KEN', personnel: 400, officiant: 'President Ruto', location: 'Nairobi' } },
        {
          type: 'ContingentDeparted',
          occurredAt: '2024-06-24T18:00:00Z',
          data: { country: 'KEN', personnel: 400, contingentId: 'ken-1' },
          metadata: { correlationId: 'prism', source: { url: 'https://example.org/report', publisher: 'Example', title: 'Departure', publishedAt: '2024-06-25' } },
        },
        { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 400, contingentId: 'ken-1' } },
        { type: 'PersonnelWithdrawn', occurredAt: '2024-09-01', data: { country: 'KEN', personnel: 10, reason: 'rotation' } },
      ],
    };
    const idempotencyKey = `prism-${randomUUID()}`;
    const appended = await exchange(201, 'append a new mission', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: founding,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(appended.status).toBe(201);
    const replayed = await exchange(201, 'replay it with the same Idempotency-Key', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: founding,
      headers: { 'idempotency-key': idempotencyKey },
    });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const [, , pledge, , , , , , , , departure] = appended.body.events as { id: string }[];
    const corrections = await exchange(201, 'append corrections', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: {
        events: [
          { type: 'EventCorrected', occurredAt: '2024-07-01', data: { eventId: departure.id, data: { country: 'KEN', personnel: 400, contingentId: 'ken-1a' }, reason: 'id typo' } },
          { type: 'EventRetracted', occurredAt: '2024-07-02', data: { eventId: pledge.id, reason: 'duplicate report' } },
        ],
      },
    });
    expect(corrections.status).toBe(201);
    const head: number = corrections.body.events.at(-1).position;

    // The log.
    await exchange(200, "read a mission's events", 'GET', `/v1/missions/${MISSION}/events?fromVersion=2&limit=5`);
    await exchange(200, "read a mission's last page", 'GET', `/v1/missions/${MISSION}/events?fromVersion=14`);
    await exchange(200, 'read the global feed', 'GET', '/v1/events?after=0&limit=3');
    await exchange(200, 'read the global feed past its end', 'GET', `/v1/events?after=${head}`);

    // Read models, with each parameter and as CSV.
    await exchange(200, 'list the missions (own write)', 'GET', `/v1/missions?minPosition=${head}`);
    await exchange(200, 'list the missions as CSV', 'GET', '/v1/missions?format=csv');
    for (const model of ['personnel', 'funding']) {
      await exchange(200, `read ${model}`, 'GET', `/v1/missions/${MISSION}/${model}?minPosition=${head}`);
      await exchange(200, `read ${model} as of a date`, 'GET', `/v1/missions/${MISSION}/${model}?asOf=2024-06-30`);
      await exchange(200, `read ${model} as known at an instant`, 'GET', `/v1/missions/${MISSION}/${model}?knownAt=${encodeURIComponent(new Date().toISOString())}&asOf=2024-12-31T00:00:00Z`);
      await exchange(200, `read ${model} as CSV`, 'GET', `/v1/missions/${MISSION}/${model}?format=csv&asOf=2024-06-30`);
    }
    await exchange(200, 'read the contributions to a count', 'GET', `/v1/missions/${MISSION}/contributions?figure=personnel.deployed&country=KEN`);
    await exchange(200, 'read the contributions to a sum', 'GET', `/v1/missions/${MISSION}/contributions?figure=funding.pledged&currency=USD&donor=USA&asOf=2024-12-31`);
    await exchange(200, 'read the contributions as CSV', 'GET', `/v1/missions/${MISSION}/contributions?figure=personnel.required&format=csv`);
    await exchange(200, 'read the mandates', 'GET', `/v1/missions/${MISSION}/mandates`);
    await exchange(200, 'read the mandates as of a day, as CSV', 'GET', `/v1/missions/${MISSION}/mandates?asOf=2024-12-31&format=csv`);
    await exchange(200, 'read the history', 'GET', `/v1/missions/${MISSION}/history?from=2023-01-01&to=2030-12-31`);
    await exchange(200, 'read the history as CSV', 'GET', `/v1/missions/${MISSION}/history?format=csv`);
    await exchange(200, 'read the indicators', 'GET', `/v1/missions/${MISSION}/indicators`);
    await exchange(200, 'read the indicators as CSV', 'GET', `/v1/missions/${MISSION}/indicators?format=csv`);
    const timeline = await exchange(200, 'read the timeline', 'GET', `/v1/missions/${MISSION}/timeline?limit=3&minPosition=${head}`);
    await exchange(200, 'read the next page of the timeline', 'GET', `/v1/missions/${MISSION}/timeline?limit=3&before=${timeline.body.items.at(-1).position}`);
    await exchange(200, 'read the timeline as CSV', 'GET', `/v1/missions/${MISSION}/timeline?format=csv`);
    await exchange(200, 'filter the timeline', 'GET', `/v1/missions/${MISSION}/timeline?type=ContingentDeparted,FundingPledged&country=USA&from=2024-01-01&to=2024-12-31`);
    const byDate = await exchange(200, 'read the timeline by occurredAt', 'GET', `/v1/missions/${MISSION}/timeline?order=occurred&limit=2`);
    await exchange(200, 'read the next page by occurredAt', 'GET', `/v1/missions/${MISSION}/timeline?order=occurred&limit=2&cursor=${encodeURIComponent(byDate.body.next)}`);

    // Projections (admin).
    await exchange(200, 'read the projections', 'GET', '/v1/projections');
    await exchange(202, 'rebuild a projection', 'POST', '/v1/projections/timeline/rebuild');

    // The dashboard session: sign in, read with the cookie alone, sign out.
    const signedIn = await exchange(204, 'sign in', 'POST', '/v1/session', { key: null, body: { key: viewer.key } });
    expect(signedIn.status).toBe(204);
    const cookie = signedIn.headers.getSetCookie().map((set) => set.split(';')[0]).join('; ');
    expect(cookie).toMatch(/mt_session=/);
    await exchange(200, 'who is signed in (cookie)', 'GET', '/v1/session', { key: null, cookie });
    await exchange(200, 'who is signed in (bearer)', 'GET', '/v1/session', { key: viewer.key });
    await exchange(200, 'read the missions with the cookie', 'GET', '/v1/missions', { key: null, cookie });
    await exchange(200, 'read personnel with the cookie', 'GET', `/v1/missions/${MISSION}/personnel`, { key: null, cookie });
    await exchange(200, 'read the log with the cookie', 'GET', '/v1/events', { key: null, cookie });
    await exchange(204, 'sign out', 'DELETE', '/v1/session', { key: null, cookie });
    await exchange(204, 'sign out with no session', 'DELETE', '/v1/session', { key: null });
    await exchange(401, 'read with an ended session', 'GET', '/v1/missions', { key: null, cookie });

    // Service endpoints.
    await exchange(200, 'liveness', 'GET', '/health/live', { key: null });
    await exchange(200, 'readiness', 'GET', '/health/ready', { key: null });
    await exchange(200, 'metrics', 'GET', '/metrics', { key: null });

    // Errors on requests the document allows: the server decides.
    await exchange(401, '401 unknown key', 'GET', '/v1/missions', { key: 'mt_not-a-key-at-all' });
    await exchange(204, 'revoke a key', 'DELETE', `/v1/api-keys/${doomed.id}`);
    await exchange(401, '401 after revocation', 'GET', '/v1/missions', { key: doomed.key });
    await exchange(403, '403 viewer appends', 'POST', `/v1/missions/${MISSION}/events`, { key: viewer.key, body: { events: [founding.events[4]] } });
    await exchange(403, '403 operator reads the projections', 'GET', '/v1/projections', { key: operator.key });
    await exchange(403, '403 viewer creates a key', 'POST', '/v1/api-keys', { key: viewer.key, body: { name: 'nope', role: 'admin' } });
    await exchange(403, '403 viewer rebuilds', 'POST', '/v1/projections/personnel/rebuild', { key: viewer.key });
    await exchange(403, '403 viewer deletes a key', 'DELETE', `/v1/api-keys/${operator.id}`, { key: viewer.key });
    await exchange(403, '403 viewer lists the keys', 'GET', '/v1/api-keys', { key: viewer.key });
    for (const path of ['events', 'personnel', 'funding', 'timeline', 'live']) {
      await exchange(404, `404 ${path} of an unknown mission`, 'GET', `/v1/missions/mss-nowhere/${path}`);
    }
    await exchange(404, '404 contributions of an unknown mission', 'GET', '/v1/missions/mss-nowhere/contributions?figure=personnel.deployed');
    await exchange(404, '404 append to an unknown mission', 'POST', '/v1/missions/mss-nowhere/events', { key: operator.key, body: { events: [founding.events[4]] } });
    await exchange(404, '404 delete an unknown key', 'DELETE', `/v1/api-keys/${randomUUID()}`);
    await exchange(409, '409 version conflict', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, body: { expectedVersion: 3, events: [founding.events[4]] } });
    await exchange(409, '409 a second MissionEstablished', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, body: { events: [founding.events[0]] } });
    await exchange(422, '422 withdrawal over deployed', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'PersonnelWithdrawn', occurredAt: '2024-10-01', data: { country: 'KEN', personnel: 100000 } }] },
    });
    await exchange(422, '422 same Idempotency-Key, other body', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [founding.events[4]] },
      headers: { 'idempotency-key': idempotencyKey },
    });
    await exchange(422, '422 correction of an unknown event', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'EventRetracted', occurredAt: '2024-07-02', data: { eventId: randomUUID(), reason: 'no such event' } }] },
    });
    await exchange(400, '400 an occurredAt before 1900', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'SupportDeclared', occurredAt: '1800-01-01', data: { supporter: 'CAN' } }] },
    });
    await exchange(400, '400 a country name as donor', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'FundingPledged', occurredAt: '2024-01-06', data: { donor: 'Canada', amount: '1', currency: 'CAD' } }] },
    });
    await exchange(400, '400 an unknown event type among the timeline filters', 'GET', `/v1/missions/${MISSION}/timeline?type=Nope`);
    await exchange(400, '400 a cursor that is not one', 'GET', `/v1/missions/${MISSION}/timeline?order=occurred&cursor=garbage`);
    await exchange(400, '400 a funding figure without currency', 'GET', `/v1/missions/${MISSION}/contributions?figure=funding.pledged`);
    await refused(400, '400 a bad asOf date', 'GET', `/v1/missions/${MISSION}/personnel?asOf=2024-02-30`);
    await refused(400, '400 an amount with 5 decimals', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'FundingCommitted', occurredAt: '2024-01-06', data: { donor: 'USA', amount: '1.00001', currency: 'USD' } }] },
    });
    await exchange(401, '401 a wrong sign-in key', 'POST', '/v1/session', { key: null, body: { key: 'mt_wrong' } });
    await exchange(413, '413 a body over 1 MiB', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ ...founding.events[4], metadata: { padding: 'x'.repeat(1024 * 1024) } }] },
    });
    await exchange(503, '503 a position not reached in time', 'GET', `/v1/missions/${MISSION}/personnel?minPosition=${head + 1_000_000}`);

    // Requests the document refuses: the server refuses them too, as the document says.
    await refused(400, '400 an unknown event type', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, body: { events: [{ type: 'Nope', occurredAt: '2024-01-01', data: {} }] } });
    await refused(400, '400 a missing field', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, body: { events: [{ type: 'SupportDeclared', occurredAt: '2024-01-01', data: {} }] } });
    await refused(400, '400 an unknown field in data', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'SupportDeclared', occurredAt: '2024-01-01', data: { supporter: 'USA', extra: 1 } }] },
    });
    await refused(400, '400 non-integer personnel', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      body: { events: [{ type: 'PersonnelPledged', occurredAt: '2024-01-01', data: { country: 'KEN', personnel: 1.5 } }] },
    });
    await refused(400, '400 an unknown top-level field', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, body: { events: [founding.events[4]], extra: true } });
    await refused(400, '400 no events', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, body: { events: [] } });
    await refused(400, '400 a bad mission id', 'GET', '/v1/missions/Not_A_Mission/personnel');
    await refused(400, '400 a limit over the maximum', 'GET', '/v1/events?limit=5000');
    await refused(400, '400 a negative paging value', 'GET', `/v1/missions/${MISSION}/events?fromVersion=-1`);
    await refused(400, '400 a non-numeric paging value', 'GET', '/v1/events?after=abc');
    await exchange(400, '400 a parameter the endpoint does not take', 'GET', `/v1/missions/${MISSION}/timeline?asOf=2024-01-01`);
    await refused(400, '400 a from date that is not a date', 'GET', `/v1/missions/${MISSION}/timeline?from=yesterday`);
    await refused(400, '400 an unknown order', 'GET', `/v1/missions/${MISSION}/timeline?order=random`);
    await refused(400, '400 an unknown format', 'GET', '/v1/missions?format=xml');
    await refused(400, '400 a bad figure', 'GET', `/v1/missions/${MISSION}/contributions?figure=personnel.nope`);
    await refused(400, '400 a bad key role', 'POST', '/v1/api-keys', { body: { name: 'x', role: 'root' } });
    await refused(400, '400 an empty sign-in', 'POST', '/v1/session', { key: null, body: {} });
    await refused(404, '404 a key id that is not a uuid', 'DELETE', '/v1/api-keys/not-a-uuid');
    await refused(404, '404 an unknown projection', 'POST', '/v1/projections/nope/rebuild');
    await refused(401, '401 no credentials', 'GET', '/v1/missions', { key: null, credentials: true });
    await refused(401, '401 no credentials on a write', 'POST', `/v1/missions/${MISSION}/events`, { key: null, body: { events: [founding.events[4]] }, credentials: true });
    await refused(401, '401 a write with the session cookie only', 'POST', `/v1/missions/${MISSION}/events`, { key: null, cookie, body: { events: [founding.events[4]] }, credentials: true });
    await refused(401, '401 live with no credentials', 'GET', `/v1/missions/${MISSION}/live`, { key: null, credentials: true });
    await refused(415, '415 not JSON', 'POST', `/v1/missions/${MISSION}/events`, { key: operator.key, rawBody: 'events', headers: { 'content-type': 'text/plain' } });
    await exchange(415, '415 a charset other than UTF-8', 'POST', `/v1/missions/${MISSION}/events`, {
      key: operator.key,
      rawBody: JSON.stringify({ events: [founding.events[4]] }),
      headers: { 'content-type': 'application/json; charset=latin1' },
    });

    // Every operation of the document had a success through the strict proxy; the live
    // stream's 200 aside (an endless answer: see the top of this file).
    const templates = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ operation: `${method.toUpperCase()} ${path}`, pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) })),
    );
    const succeeded = new Set(
      exchanges
        .filter((e) => e.through === 'strict' && e.answeredBy === 'api' && e.status < 300)
        .flatMap((e) => templates.filter((t) => t.operation.startsWith(`${e.method} `) && t.pattern.test(e.path.split('?')[0])).map((t) => t.operation)),
    );
    const untried = templates.map((t) => t.operation).filter((operation) => !succeeded.has(operation));
    expect(untried).toEqual(['GET /v1/missions/{missionId}/live']);
  }, 240_000);

  it('is a judge that can fail: an answer that parts from the document is a violation', async () => {
    // The same API behind a document whose Personnel schema asks for a field the API never sends.
    const tampered = JSON.parse(JSON.stringify(document)) as { components: { schemas: Record<string, { required?: string[] }> } };
    tampered.components.schemas.Personnel.required = [...(tampered.components.schemas.Personnel.required ?? []), 'neverSent'];
    const file = join(dir, 'tampered.json');
    await writeFile(file, JSON.stringify(tampered));
    const judge = await startPrismProxy(file, api.baseUrl);
    try {
      const response = await fetch(`${judge.baseUrl}/v1/missions/${MISSION}/personnel`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const body = await response.json();
      expect(response.status).toBe(500);
      expect(violationsOf(response.headers, body)).toEqual([expect.objectContaining({ location: ['response', 'body'], severity: 'Error', code: 'required' })]);
    } finally {
      await judge.close();
    }
  }, 120_000);
});
