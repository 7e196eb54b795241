// Dashboard sessions over real HTTP: POST /v1/session sets an HttpOnly, SameSite=Strict cookie
// for the key's role; the cookie serves reads (the /v1 reads, /live, the queue board for an
// admin) and never a write; sign-out and revocation end it at once, in every API process.
import Redis from 'ioredis';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established, supportDeclared } from './support/events';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';
import { TEST_REDIS_URL } from './support/environment';
import { expectEventually } from './support/eventually';

const ESTABLISHED = established('Session mission');

describe('dashboard session', () => {
  let db: TestDatabase;
  let api: TestApi;
  /** A second API process on the same database: sessions must end there too. */
  let other: TestApi;

  const createKey = async (name: string, role: string) => {
    const created = await api.request('POST', '/v1/api-keys', { body: { name, role } });
    expect(created.status).toBe(201);
    return created.body as { id: string; key: string };
  };
  const signIn = async (key: string, target: TestApi = api) => {
    const response = await target.request('POST', '/v1/session', { body: { key }, key: null });
    expect(response.status).toBe(204);
    const setCookie = response.headers.get('set-cookie')!;
    return { setCookie, cookie: setCookie.split(';')[0] };
  };
  /** A request with only the cookie (no Authorization header). */
  const withCookie = (cookie: string, method: string, path: string, target: TestApi = api, body?: unknown) =>
    target.request(method, path, { key: null, headers: { cookie }, body });
  const eventCount = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase('session');
    api = await startTestApi(db.url);
    other = await startTestApi(db.url);
    expect((await api.request('POST', '/v1/missions/mss-session/events', { body: { events: [ESTABLISHED] } })).status).toBe(201);
  });
  afterAll(async () => {
    await other?.close();
    await api?.close();
    await db?.drop();
  });

  describe('sign in', () => {
    it('answers 204 with an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over plain HTTP)', async () => {
      const viewer = await createKey('session-viewer', 'viewer');
      const response = await api.request('POST', '/v1/session', { body: { key: viewer.key }, key: null });
      expect(response.status).toBe(204);
      expect(response.body).toBeUndefined();
      const [setCookie, hint, ...more] = response.headers.getSetCookie();
      expect(more).toEqual([]);
      expect(setCookie).toMatch(/^mt_session=[A-Za-z0-9_-]{43};/);
      const flags = setCookie.split(';').slice(1).map((flag) => flag.trim().toLowerCase());
      expect(flags).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
      expect(flags).not.toContain('secure');
      // and a hint the page may read, with no secret in it: "you may have a session"
      expect(hint).toMatch(/^mt_signed_in=1;/);
      expect(hint.toLowerCase()).not.toContain('httponly');
      expect(response.headers.get('cache-control')).toBe('no-store');
      // Neither the key nor the token is stored: only the token's hash.
      const token = setCookie.split(';')[0].split('=')[1];
      const stored = JSON.stringify((await db.pool.query('SELECT * FROM sessions')).rows);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(viewer.key);
    });

    it('does not take a client\'s X-Forwarded-Proto for HTTPS (Secure follows the real protocol)', async () => {
      // Fastify's request.protocol: the TLS socket, or X-Forwarded-Proto only when trustProxy is on.
      const viewer = await createKey('session-proto', 'viewer');
      const response = await api.request('POST', '/v1/session', { body: { key: viewer.key }, key: null, headers: { 'x-forwarded-proto': 'https' } });
      expect(response.status).toBe(204);
      expect(response.headers.get('set-cookie')!.toLowerCase()).not.toContain('secure');
    });

    it.each([
      ['an unknown key', { key: 'mt_not-a-key' }],
      ['the bootstrap key with a typo', { key: `${ADMIN_KEY}x` }],
    ])('refuses %s with a 401 problem and no cookie', async (_, body) => {
      const response = await api.request('POST', '/v1/session', { body, key: null });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.detail).toMatch(/unknown or revoked/);
      expect(response.headers.get('set-cookie')).toBeNull();
    });

    it('refuses a revoked key with 401', async () => {
      const revoked = await createKey('session-revoked-before', 'viewer');
      expect((await api.request('DELETE', `/v1/api-keys/${revoked.id}`)).status).toBe(204);
      const response = await api.request('POST', '/v1/session', { body: { key: revoked.key }, key: null });
      expect(response.status).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
    });

    it.each([
      ['no key', {}],
      ['an empty key', { key: '' }],
      ['a key that is no string', { key: 12 }],
      ['an unknown field', { key: 'x', role: 'admin' }],
    ])('refuses %s with a 400 problem', async (_, body) => {
      const response = await api.request('POST', '/v1/session', { body, key: null });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('set-cookie')).toBeNull();
    });
  });

  describe('reads with the cookie', () => {
    it('serves the /v1 reads and says who is signed in', async () => {
      const viewer = await createKey('session-reader', 'viewer');
      const { cookie } = await signIn(viewer.key);
      expect(await withCookie(cookie, 'GET', '/v1/session')).toMatchObject({ status: 200, body: { name: 'session-reader', role: 'viewer' } });
      for (const path of ['/v1/missions', '/v1/missions/mss-session/personnel', '/v1/missions/mss-session/funding', '/v1/missions/mss-session/timeline', '/v1/events']) {
        expect([path, (await withCookie(cookie, 'GET', path)).status]).toEqual([path, 200]);
      }
      // The role is the key's: a viewer's session is no admin.
      expect((await withCookie(cookie, 'GET', '/v1/projections')).status).toBe(403);
      expect((await withCookie(cookie, 'GET', '/admin/queues')).status).toBe(403);
    });

    it('serves the live stream (EventSource cannot send headers)', async () => {
      const viewer = await createKey('session-live', 'viewer');
      const { cookie } = await signIn(viewer.key);
      const controller = new AbortController();
      try {
        const response = await fetch(`${api.baseUrl}/v1/missions/mss-session/live`, { headers: { cookie }, signal: controller.signal });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const reader = response.body!.getReader();
        const { value } = await reader.read();
        expect(new TextDecoder().decode(value)).toMatch(/event: (personnel|funding)/);
      } finally {
        controller.abort();
      }
    });

    it("serves the queue board to an admin's session, the bootstrap admin's included", async () => {
      const admin = await createKey('session-admin', 'admin');
      for (const key of [admin.key, ADMIN_KEY]) {
        const { cookie } = await signIn(key);
        const board = await fetch(`${api.baseUrl}/admin/queues`, { headers: { cookie } });
        expect(board.status).toBe(200);
        expect(board.headers.get('content-type')).toMatch(/^text\/html/);
        await board.text(); // an unread body keeps its request in progress and app.close() waiting
        expect((await withCookie(cookie, 'GET', '/v1/projections')).status).toBe(200);
      }
    });

    it('counts a session against its key in the rate limiter', async () => {
      const viewer = await createKey('session-limited', 'viewer');
      const { cookie } = await signIn(viewer.key);
      expect((await withCookie(cookie, 'GET', '/v1/missions')).status).toBe(200);
      const redis = new Redis(TEST_REDIS_URL);
      try {
        expect(await redis.keys(`${api.redisPrefix}:rate-limit:key:${viewer.id}`)).toHaveLength(1);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('writes with the cookie', () => {
    it('refuses every write made with only the cookie, and changes nothing', async () => {
      const operator = await createKey('session-operator', 'operator');
      const admin = await createKey('session-writer-admin', 'admin');
      const operatorSession = await signIn(operator.key);
      const adminSession = await signIn(admin.key);
      const before = await eventCount();
      const keysBefore = (await api.request('GET', '/v1/api-keys')).body.apiKeys.length;

      const append = await withCookie(operatorSession.cookie, 'POST', '/v1/missions/mss-session/events', api, { events: [supportDeclared('USA')] });
      expect(append.status).toBe(401);
      expect(append.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(append.body.detail).toMatch(/reads only/);
      expect((await withCookie(adminSession.cookie, 'POST', '/v1/missions/mss-session/events', api, { events: [supportDeclared('CAN')] })).status).toBe(401);
      expect((await withCookie(adminSession.cookie, 'POST', '/v1/api-keys', api, { name: 'csrf', role: 'admin' })).status).toBe(401);
      expect((await withCookie(adminSession.cookie, 'DELETE', `/v1/api-keys/${operator.id}`)).status).toBe(401);
      expect((await withCookie(adminSession.cookie, 'POST', '/v1/projections/personnel/rebuild')).status).toBe(401);
      expect((await withCookie(adminSession.cookie, 'PUT', '/admin/queues/api/queues/pause')).status).toBe(401);

      expect(await eventCount()).toBe(before);
      expect((await api.request('GET', '/v1/api-keys')).body.apiKeys).toHaveLength(keysBefore);
      // The key itself still may write.
      expect((await api.request('POST', '/v1/missions/mss-session/events', { key: operator.key, body: { events: [supportDeclared('USA')] } })).status).toBe(201);
    });
  });

  describe('sign out', () => {
    it('answers 204, clears the cookie, and the old cookie is refused in every process', async () => {
      const viewer = await createKey('session-leaver', 'viewer');
      const { cookie } = await signIn(viewer.key);
      // Read in both processes first, so both have the session in their cache.
      expect((await withCookie(cookie, 'GET', '/v1/missions')).status).toBe(200);
      expect((await withCookie(cookie, 'GET', '/v1/missions', other)).status).toBe(200);

      const response = await withCookie(cookie, 'DELETE', '/v1/session');
      expect(response.status).toBe(204);
      const cleared = response.headers.get('set-cookie')!;
      expect(cleared).toMatch(/^mt_session=;/);
      expect(cleared.toLowerCase()).toMatch(/max-age=0/);

      expect((await withCookie(cookie, 'GET', '/v1/missions')).status).toBe(401);
      await expectEventually(async () => expect((await withCookie(cookie, 'GET', '/v1/missions', other)).status).toBe(401), 2_000);
      const refused = await withCookie(cookie, 'GET', '/v1/session');
      expect(refused.body.detail).toMatch(/sign in again/);
    });

    it('answers 204 without a session too', async () => {
      expect((await api.request('DELETE', '/v1/session', { key: null })).status).toBe(204);
    });
  });

  describe('revocation', () => {
    it("ends the key's sessions at once, in every process", async () => {
      const viewer = await createKey('session-revoked', 'viewer');
      const first = await signIn(viewer.key);
      const second = await signIn(viewer.key, other);
      for (const target of [api, other]) {
        for (const { cookie } of [first, second]) expect((await withCookie(cookie, 'GET', '/v1/missions', target)).status).toBe(200);
      }

      expect((await api.request('DELETE', `/v1/api-keys/${viewer.id}`)).status).toBe(204);

      for (const { cookie } of [first, second]) expect((await withCookie(cookie, 'GET', '/v1/missions')).status).toBe(401);
      await expectEventually(async () => {
        for (const { cookie } of [first, second]) expect((await withCookie(cookie, 'GET', '/v1/missions', other)).status).toBe(401);
      }, 2_000);
      // and the live stream refuses it too
      expect((await fetch(`${api.baseUrl}/v1/missions/mss-session/live`, { headers: { cookie: first.cookie } })).status).toBe(401);
    });

    it('an unknown or forged cookie is a 401', async () => {
      for (const cookie of ['mt_session=forged', 'mt_session=', 'other=1']) {
        expect([cookie, (await withCookie(cookie, 'GET', '/v1/missions')).status]).toEqual([cookie, 401]);
      }
    });
  });
});
