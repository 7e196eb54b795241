// GET /metrics and the queue board at /admin/queues over real HTTP.
import { PROJECTION_NAMES } from '@app/projections';
import { expectEventually } from './support/eventually';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established, supportDeclared } from './support/events';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';

const ESTABLISHED = established('Metrics mission');

/** The value of one sample in Prometheus text, e.g. sample(text, 'x_total') or sample(text, 'x', { projection: 'funding' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('service metrics and queue board', () => {
  let db: TestDatabase;
  let api: TestApi;
  const scrape = async (target = api) => {
    const response = await fetch(`${target.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    return { contentType: response.headers.get('content-type'), text: await response.text() };
  };

  beforeAll(async () => {
    db = await createTestDatabase('metrics');
    api = await startTestApi(db.url);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('GET /metrics', () => {
    it('answers Prometheus text without an API key, with the default process metrics', async () => {
      const { contentType, text } = await scrape();
      expect(contentType).toMatch(/^text\/plain/);
      expect(text).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
    });

    it('times requests in a histogram labelled by method, route pattern and status', async () => {
      expect((await api.request('GET', '/v1/missions/mss-nowhere/events')).status).toBe(404);
      const { text } = await scrape();
      expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
      const labels = { method: 'GET', route: '/v1/missions/:missionId/events', status: '404' };
      expect(sample(text, 'http_request_duration_seconds_count', labels)).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain('mss-nowhere');
    });

    it('files requests to unknown URLs under one "unmatched" route, never their raw URL', async () => {
      expect((await api.request('GET', '/no/such/page-4711')).status).toBe(404);
      const { text } = await scrape();
      expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain('page-4711');
    });

    it('counts appended events by exactly the size of each batch, and not a replayed retry', async () => {
      const appended = () => scrape().then(({ text }) => sample(text, 'mission_tracker_events_appended_total') ?? NaN);
      const before = await appended();
      const batch = { events: [ESTABLISHED, supportDeclared('KEN'), supportDeclared('JAM')] };
      const headers = { 'idempotency-key': 'metrics-batch-1' };
      expect((await api.request('POST', '/v1/missions/mss-metrics/events', { body: batch, headers })).status).toBe(201);
      expect(await appended()).toBe(before + 3);
      // The same request again is answered from the idempotency record: nothing is appended.
      expect((await api.request('POST', '/v1/missions/mss-metrics/events', { body: batch, headers })).status).toBe(201);
      expect(await appended()).toBe(before + 3);
    });

    it('reports the position and lag of every projection and the depth of the projections queue', async () => {
      // Scrapes within a second share one read of the status (the endpoint is public).
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const { text } = await scrape();
      // No worker runs in this suite, so nothing moves between the scrape and this read.
      const { body } = await api.request('GET', '/v1/projections');
      expect(body.projections.map((p: { name: string }) => p.name).sort()).toEqual([...PROJECTION_NAMES].sort());
      for (const { name: projection, position, lagEvents } of body.projections) {
        expect(sample(text, 'mission_tracker_projection_position', { projection })).toBe(position);
        expect(sample(text, 'mission_tracker_projection_lag_events', { projection })).toBe(lagEvents);
      }
      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(sample(text, 'mission_tracker_queue_jobs', { queue: 'projections', state })).toEqual(expect.any(Number));
      }
    });

    it('still answers while PostgreSQL and Redis are down, leaving out what it cannot read', async () => {
      const deadApi = await startTestApi('postgresql://postgres@127.0.0.1:1/nothing', { REDIS_URL: 'redis://127.0.0.1:1' });
      try {
        const { text } = await scrape(deadApi);
        expect(text).toMatch(/^# TYPE mission_tracker_projection_lag_events gauge$/m);
        expect(sample(text, 'mission_tracker_projection_lag_events')).toBeUndefined();
        expect(sample(text, 'mission_tracker_queue_jobs')).toBeUndefined();
        expect(sample(text, 'process_cpu_user_seconds_total')).toEqual(expect.any(Number));
      } finally {
        await deadApi.close();
      }
    });

    it('is listed in the OpenAPI document', async () => {
      const { body } = await api.request('GET', '/docs-json', { key: null });
      expect(Object.keys(body.paths['/metrics'] ?? {})).toContain('get');
    });
  });

  describe('GET /admin/queues', () => {
    const board = (key: string | null) => fetch(`${api.baseUrl}/admin/queues`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

    it('answers 401 problem+json without an API key', async () => {
      const response = await board(null);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toEqual(expect.objectContaining({ status: 401, type: '/problems/unauthorized' }));
    });

    it('answers 403 problem+json to a viewer key', async () => {
      const created = await api.request('POST', '/v1/api-keys', { body: { name: 'board-viewer', role: 'viewer' } });
      expect(created.status).toBe(201);
      const response = await board(created.body.key);
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toEqual(expect.objectContaining({ status: 403, type: '/problems/forbidden' }));
    });

    it('serves the board as HTML to the admin key', async () => {
      const response = await board(ADMIN_KEY);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<html/i);
    });

    it("guards the board's own API and assets too", async () => {
      expect((await fetch(`${api.baseUrl}/admin/queues/api/queues`)).status).toBe(401);
      const html = await (await board(ADMIN_KEY)).text();
      const base = /<base href="([^"]+)"/.exec(html)?.[1];
      const script = /<script defer src="([^"]+)"/.exec(html)?.[1];
      expect({ base, script }).toEqual({ base: '/admin/queues/', script: expect.stringMatching(/^static\//) });
      const asset = new URL(`${base}${script}`, api.baseUrl);
      expect((await fetch(asset)).status).toBe(401);
      const served = await fetch(asset, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toMatch(/javascript/);
      // Read it all: a body left unread keeps the connection busy and app.close() waiting.
      expect((await served.arrayBuffer()).byteLength).toBeGreaterThan(0);
    });

    it('lists the projection partition queues with their jobs', async () => {
      // An append nudges the projections through the queue; no worker runs here, so the nudge waits.
      expect((await api.request('POST', '/v1/missions/mss-board/events', { body: { events: [ESTABLISHED] } })).status).toBe(201);
      await expectEventually(async () => {
        const response = await fetch(`${api.baseUrl}/admin/queues/api/queues?activeQueue=${encodeURIComponent('{proj-0}')}&status=waiting&page=1`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        expect(response.status).toBe(200);
        const { queues } = (await response.json()) as { queues: { name: string; counts: Record<string, number>; jobs: unknown[] }[] };
        expect(queues.map((queue) => queue.name)).toEqual(['{proj-0}']); // one partition: PROJECTION_PARTITIONS unset
        const projections = queues.find((queue) => queue.name === '{proj-0}')!;
        expect(projections.counts.waiting).toBeGreaterThanOrEqual(1);
        expect(projections.jobs).toHaveLength(projections.counts.waiting);
      }, 5_000);
    });
  });
});
