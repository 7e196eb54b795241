// RATE_LIMIT_PER_MINUTE per API key, counted in Redis and so shared by every API process;
// 429 problem+json with Retry-After past it; and never a reason for an append to wait on Redis.
import { randomBytes } from 'node:crypto';
import { connect, createServer, Server, Socket } from 'node:net';
import Redis from 'ioredis';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';
import { TEST_REDIS_URL } from './support/environment';
import { established } from './support/events';

const LIMIT = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('rate limit', () => {
  let db: TestDatabase;
  /** Unlimited, for setting up keys without spending any budget. */
  let setup: TestApi;
  const started: TestApi[] = [];

  const start = async (env: Record<string, string>) => {
    const api = await startTestApi(db.url, env);
    started.push(api);
    return api;
  };
  /** Two API processes sharing one Redis namespace, as a scaled-out deployment does. */
  const twoInstances = async (limit = LIMIT) => {
    const REDIS_PREFIX = `mt-test-rl-${randomBytes(4).toString('hex')}`;
    const env = { REDIS_PREFIX, RATE_LIMIT_PER_MINUTE: String(limit) };
    return [await start(env), await start(env)] as const;
  };
  const createKey = async (role: string) => {
    const created = await setup.request('POST', '/v1/api-keys', { body: { name: `rl-${role}`, role } });
    expect(created.status).toBe(201);
    return created.body.key as string;
  };

  beforeAll(async () => {
    db = await createTestDatabase('rate_limit');
    setup = await startTestApi(db.url, { RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((api) => api.close()));
  });
  afterAll(async () => {
    await setup?.close();
    await db?.drop();
  });

  it('counts one API key across API processes and answers 429 problem+json with Retry-After past the limit', async () => {
    const [a, b] = await twoInstances();
    const key = await createKey('viewer');
    const remaining: string[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const response = await (i % 2 ? b : a).request('GET', '/v1/missions', { key });
      expect(response.status).toBe(200);
      remaining.push(response.headers.get('x-ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    for (const api of [a, b]) {
      const limited = await api.request('GET', '/v1/missions', { key });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(limited.body).toEqual({
        type: '/problems/rate-limited',
        title: 'Too Many Requests',
        status: 429,
        detail: expect.stringMatching(/more than 5 requests in a minute/),
      });
      const retryAfter = Number(limited.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Security headers and the request id are on a 429 too.
      expect(limited.headers.get('x-content-type-options')).toBe('nosniff');
      expect(limited.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('counts a percent-encoded path the router decodes to /v1 like the plain path', async () => {
    const [api] = await twoInstances();
    const key = await createKey('viewer');
    for (let i = 0; i < LIMIT; i++) expect((await api.request('GET', '/v1/missions', { key })).status).toBe(200);
    // "%76" is "v": the router serves /v1/missions for it, so the limit must count it too.
    for (const path of ['/%761/missions', '/v%31/missions']) {
      expect((await api.request('GET', path, { key })).status).toBe(429);
    }
  });

  it('counts each API key on its own', async () => {
    const [a, b] = await twoInstances();
    const spent = await createKey('operator');
    const other = await createKey('operator');
    for (let i = 0; i < LIMIT; i++) expect((await a.request('GET', '/v1/missions', { key: spent })).status).toBe(200);
    expect((await b.request('POST', '/v1/missions/mss-rl/events', { key: spent, body: { events: [established()] } })).status).toBe(429);
    expect((await b.request('POST', '/v1/missions/mss-rl/events', { key: other, body: { events: [established()] } })).status).toBe(201);
  });

  it('counts requests without a valid key per client address, whatever key they try', async () => {
    const [a, b] = await twoInstances();
    for (let i = 0; i < LIMIT; i++) {
      const response = await (i % 2 ? b : a).request('GET', '/v1/missions', { key: `mt_${randomBytes(32).toString('base64url')}` });
      expect(response.status).toBe(401);
    }
    expect((await a.request('GET', '/v1/missions', { key: `mt_${randomBytes(32).toString('base64url')}` })).status).toBe(429);
    expect((await b.request('GET', '/admin/queues', { key: null })).status).toBe(429);
    // A valid key is counted on its own, not with the address.
    expect((await a.request('GET', '/v1/missions', { key: await createKey('viewer') })).status).toBe(200);
  });

  it('covers /v1 and /admin only: health probes, metrics scrapes and the docs are never limited', async () => {
    const [a] = await twoInstances(1);
    expect((await a.request('GET', '/v1/missions')).status).toBe(200);
    expect((await a.request('GET', '/v1/missions')).status).toBe(429);
    expect((await a.request('GET', '/admin/queues')).status).toBe(429);
    for (let i = 0; i < 3; i++) {
      for (const path of ['/health/live', '/metrics', '/docs-json']) {
        const response = await a.request('GET', path);
        expect([path, response.status]).toEqual([path, 200]);
      }
    }
  });

  it('keeps its counts under REDIS_PREFIX, one key per API key, expiring with the window', async () => {
    const [a] = await twoInstances();
    await a.request('GET', '/v1/missions');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${a.redisPrefix}:rate-limit:*`);
      expect(keys).toEqual([`${a.redisPrefix}:rate-limit:key:bootstrap`]);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      redis.disconnect();
    }
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
    const [a] = await twoInstances(0);
    for (let i = 0; i < 20; i++) expect((await a.request('GET', '/v1/missions')).status).toBe(200);
    expect((await a.request('GET', '/v1/missions')).headers.get('x-ratelimit-limit')).toBeNull();
  });

  describe('when Redis is away, appends still answer at once (the limiter lets requests through)', () => {
    const appendLatencies = async (api: TestApi, missionId: string) => {
      const latencies: number[] = [];
      for (let i = 0; i < 10; i++) {
        const startedAt = performance.now();
        const response = await api.request('POST', `/v1/missions/${missionId}/events`, { body: { events: [i === 0 ? established() : { type: 'SupportDeclared', occurredAt: '2024-02-01', data: { supporter: `S${i}` } }] } });
        latencies.push(performance.now() - startedAt);
        expect(response.status).toBe(201);
      }
      return latencies;
    };

    it('unreachable: nothing listens on its port', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      const api = await start({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_PER_MINUTE: '2' });
      const latencies = await appendLatencies(api, 'mss-rl-closed');
      expect(Math.max(...latencies)).toBeLessThan(1_000);
      expect(median(latencies)).toBeLessThan(100);
    });

    it('stalled: connected, then it stops answering', async () => {
      // A proxy to the real Redis that, once stalled, swallows every command.
      let stalled = false;
      const sockets = new Set<Socket>();
      const redisAddress = new URL(TEST_REDIS_URL);
      const proxy: Server = createServer((client) => {
        const upstream = connect(Number(redisAddress.port || 6379), redisAddress.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
        }
        client.on('data', (chunk) => stalled || upstream.write(chunk));
        upstream.pipe(client);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const port = (proxy.address() as { port: number }).port;
      try {
        const api = await start({ REDIS_URL: `redis://127.0.0.1:${port}`, RATE_LIMIT_PER_MINUTE: '1000' });
        const counted = await api.request('GET', '/v1/missions');
        expect(counted.headers.get('x-ratelimit-remaining')).toBe('999'); // the limiter's Redis answered
        stalled = true;
        const latencies = await appendLatencies(api, 'mss-rl-stalled');
        expect(Math.max(...latencies)).toBeLessThan(1_000);
        // Only the first request waits out the command timeout; the next ones do not ask Redis.
        expect(median(latencies)).toBeLessThan(100);
        stalled = false;
        await Promise.all(started.splice(0).map((api) => api.close()));
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });
});
