// TRUST_PROXY over real HTTP: behind a TLS-terminating proxy the API sees plain HTTP, so the
// session cookie is Secure only if the proxy's X-Forwarded-Proto is believed — and it must be
// believed only from the proxy named, never from any client (which could also pick its own
// address for the per-address rate limit through X-Forwarded-For).
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

const cookieFlags = (setCookie: string) => setCookie.split(';').slice(1).map((flag) => flag.trim().toLowerCase());

describe('TRUST_PROXY', () => {
  let db: TestDatabase;
  const started: TestApi[] = [];
  const start = async (env: Record<string, string>) => {
    const api = await startTestApi(db.url, env);
    started.push(api);
    return api;
  };
  let viewerKey = '';

  beforeAll(async () => {
    db = await createTestDatabase('trust_proxy');
    const setup = await start({});
    const created = await setup.request('POST', '/v1/api-keys', { body: { name: 'proxy-viewer', role: 'viewer' } });
    viewerKey = created.body.key;
  });
  afterAll(async () => {
    await Promise.all(started.map((api) => api.close()));
    await db?.drop();
  });

  const signIn = (api: TestApi, headers: Record<string, string>) => api.request('POST', '/v1/session', { body: { key: viewerKey }, key: null, headers });

  it('makes the session cookies Secure when the trusted proxy says the request came over HTTPS', async () => {
    const api = await start({ TRUST_PROXY: '127.0.0.1' });
    const response = await signIn(api, { 'x-forwarded-proto': 'https' });
    expect(response.status).toBe(204);
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    for (const cookie of cookies) expect(cookieFlags(cookie)).toContain('secure');
    // and sign-out clears them with the same flag (a browser keeps a Secure cookie otherwise)
    const signedOut = await api.request('DELETE', '/v1/session', { key: null, headers: { 'x-forwarded-proto': 'https', cookie: cookies[0].split(';')[0] } });
    for (const cookie of signedOut.headers.getSetCookie()) expect(cookieFlags(cookie)).toContain('secure');
    // plain HTTP through the same proxy: not Secure
    const plain = await signIn(api, { 'x-forwarded-proto': 'http' });
    for (const cookie of plain.headers.getSetCookie()) expect(cookieFlags(cookie)).not.toContain('secure');
  });

  it.each([
    ['unset', {}],
    ['naming another proxy', { TRUST_PROXY: '10.0.0.1,192.168.0.0/16' }],
  ])('ignores X-Forwarded-Proto when TRUST_PROXY is %s', async (_, env) => {
    const api = await start(env);
    const response = await signIn(api, { 'x-forwarded-proto': 'https' });
    expect(response.status).toBe(204);
    for (const cookie of response.headers.getSetCookie()) expect(cookieFlags(cookie)).not.toContain('secure');
  });

  it('counts requests without a valid key per X-Forwarded-For address only behind a trusted proxy', async () => {
    const limited = { RATE_LIMIT_PER_MINUTE: '2' };
    const statuses = async (api: TestApi, forwardedFor: string) => {
      const result: number[] = [];
      for (let i = 0; i < 3; i++) result.push((await api.request('GET', '/v1/missions', { key: 'mt_unknown', headers: { 'x-forwarded-for': forwardedFor } })).status);
      return result;
    };
    const trusting = await start({ ...limited, TRUST_PROXY: '127.0.0.1' });
    expect(await statuses(trusting, '203.0.113.1')).toEqual([401, 401, 429]);
    expect(await statuses(trusting, '203.0.113.2')).toEqual([401, 401, 429]); // another client behind the proxy
    const direct = await start(limited);
    expect(await statuses(direct, '203.0.113.1')).toEqual([401, 401, 429]);
    expect(await statuses(direct, '203.0.113.2')).toEqual([429, 429, 429]); // the header changes nothing: one address
  });

  it.each(['yes', '10.0.0.300', '10.0.0.0/33', 'example.org'])('refuses TRUST_PROXY=%s at start-up, naming the setting', async (value) => {
    await expect(start({ TRUST_PROXY: value })).rejects.toThrow(/TRUST_PROXY/);
  });
});
