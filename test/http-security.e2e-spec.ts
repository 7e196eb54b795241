// Security headers on every answer (errors included), a Content Security Policy that still lets
// Swagger UI load, and CORS closed unless CORS_ORIGINS lists the origin.
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

const DASHBOARD = 'https://dashboard.example.org';
const STRANGER = 'https://evil.example.com';

const preflight = (api: TestApi, origin: string) =>
  fetch(`${api.baseUrl}/v1/missions/mss-x/events`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' },
  });

describe('HTTP security', () => {
  let db: TestDatabase;
  let api: TestApi;
  let withCors: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase('http_security');
    api = await startTestApi(db.url);
    withCors = await startTestApi(db.url, { CORS_ORIGINS: `${DASHBOARD}, http://localhost:5173` });
  });
  afterAll(async () => {
    await api?.close();
    await withCors?.close();
    await db?.drop();
  });

  describe('security headers', () => {
    const answers: Array<{ answer: string; method?: string; path: string; options?: Parameters<TestApi['request']>[2] }> = [
      { answer: 'a read (200)', path: '/v1/missions' },
      { answer: 'no key (401)', path: '/v1/missions', options: { key: null } },
      { answer: 'an unknown route (404)', path: '/v1/nowhere' },
      { answer: 'a bad body (415)', method: 'POST', path: '/v1/missions/mss-x/events', options: { rawBody: 'x', headers: { 'content-type': 'text/plain' } } },
      { answer: 'a health probe', path: '/health/live' },
      { answer: 'the docs', path: '/docs' },
    ];
    it.each(answers)('are on $answer', async ({ method = 'GET', path, options }) => {
      const response = await api.request(method, path, options);
      expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'self';/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    it('allow our own origin only: no remote host in the Content Security Policy', async () => {
      const policy = (await api.request('GET', '/v1/missions')).headers.get('content-security-policy')!;
      const sources = policy.split(';').flatMap((directive) => directive.trim().split(/\s+/).slice(1));
      expect(sources.filter((source) => !["'self'", "'none'", "'unsafe-inline'", 'data:'].includes(source))).toEqual([]);
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("frame-ancestors 'none'");
    });

    it('still let Swagger UI load: every asset of /docs is ours and answers 200', async () => {
      const page = await api.request('GET', '/docs');
      expect(page.status).toBe(200);
      const html = page.body as string;
      // Its scripts are files, never inline code (which script-src 'self' would block).
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const assets = [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((match) => match[1]).filter((url) => !url.startsWith('#'));
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        expect(asset).not.toMatch(/^(https?:)?\/\//);
        const response = await fetch(new URL(asset, `${api.baseUrl}/docs`));
        // Read it all: an unread body (swagger-ui-bundle.js is 1.5 MB) keeps its request in
        // progress on the server, and app.close() in afterAll waits for it.
        await response.arrayBuffer();
        expect([asset, response.status]).toEqual([asset, 200]);
      }
    });
  });

  describe('CORS', () => {
    it('is closed by default: a preflight from any origin gets no Access-Control-Allow-Origin', async () => {
      const response = await preflight(api, DASHBOARD);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-methods')).toBeNull();
      const read = await api.request('GET', '/v1/missions', { headers: { origin: DASHBOARD } });
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('answers a preflight from a listed origin, for the methods and headers the API uses', async () => {
      const response = await preflight(withCors, DASHBOARD);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
      expect(response.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, DELETE');
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
      const read = await withCors.request('GET', '/v1/missions', { headers: { origin: 'http://localhost:5173' } });
      expect(read.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(read.headers.get('access-control-expose-headers')).toContain('Retry-After');
      expect(read.headers.get('access-control-expose-headers')).toContain('Idempotent-Replayed');
    });

    it('gives an unlisted origin no Access-Control-Allow-Origin, even when others are listed', async () => {
      const response = await preflight(withCors, STRANGER);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      const read = await withCors.request('GET', '/v1/missions', { headers: { origin: STRANGER } });
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
