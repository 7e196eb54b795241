// Answers the framework gives before any route runs are problem+json too: a path that is not
// valid percent-encoding, an over-long path parameter, a client that never finishes sending
// its request (request timeout), headers too large, a request that is not HTTP at all.
import { connect } from 'node:net';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

const REQUEST_TIMEOUT_MS = 500;

/** Sends raw bytes (in chunks, `gapMs` apart) and returns everything received until the server closes. */
function rawExchange(baseUrl: string, chunks: string[], gapMs = 0, giveUpMs = 5_000): Promise<{ text: string; ms: number }> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      resolve({ text, ms: Date.now() - started });
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${giveUpMs} ms; received ${JSON.stringify(text)}`));
    }, giveUpMs);
    let i = 0;
    const next = () => {
      if (i >= chunks.length || socket.destroyed) return;
      socket.write(chunks[i++]);
      timer = setTimeout(next, gapMs);
    };
    socket.on('connect', next);
  });
}

function parseRaw(text: string): { status: number; contentType: string; body: any } {
  const [head, body] = text.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    contentType: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '',
    body: JSON.parse(body),
  };
}

describe('framework errors are problem+json', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase('framework_errors');
    api = await startTestApi(db.url, { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it.each([
    ['malformed percent-encoding', '/v1/missions/%zz/personnel', 400, 'invalid-url'],
    ['truncated UTF-8 escape', '/v1/missions/%E0%A4%A/events', 400, 'invalid-url'],
    ['malformed escape on no route', '/nowhere%zz', 400, 'invalid-url'],
    ['a 500-character path parameter', `/v1/missions/${'a'.repeat(500)}/personnel`, 414, 'uri-too-long'],
  ])('%s', async (_label, path, status, kind) => {
    const response = await api.request('GET', path);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({ type: `/problems/${kind}`, title: expect.any(String), status, detail: expect.any(String) });
  });

  it('a body that dribbles in slower than the request timeout gets 408 and the connection closed', async () => {
    const head =
      'POST /v1/missions/slow-body/events HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n' +
      `Authorization: Bearer test-bootstrap-admin-key-0123456789\r\nContent-Length: 200\r\n\r\n`;
    // One byte every 100 ms: 200 bytes would take 20 s.
    const { text, ms } = await rawExchange(api.baseUrl, [head, ...'{"events":[{"type":"MissionEstablished"'.split('')], 100);
    const answer = parseRaw(text);
    expect(answer.status).toBe(408);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: '/problems/request-timeout', status: 408 });
    // Node checks timeouts on an interval: within the timeout plus that interval.
    expect(ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    expect(ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    // Nothing was appended.
    expect((await db.pool.query("SELECT count(*)::int AS n FROM events WHERE mission_id = 'slow-body'")).rows[0].n).toBe(0);
  });

  it('headers that never end also get 408', async () => {
    const { text } = await rawExchange(api.baseUrl, ['GET /health/live HTTP/1.1\r\n', 'Host: api\r\n', 'X-Slow: 1\r\n', 'X-Slow: 2\r\n', 'X-Slow: 3\r\n', 'X-Slow: 4\r\n', 'X-Slow: 5\r\n', 'X-Slow: 6\r\n', 'X-Slow: 7\r\n', 'X-Slow: 8\r\n', 'X-Slow: 9\r\n', 'X-Slow: 10\r\n'], 200);
    expect(parseRaw(text)).toMatchObject({ status: 408, contentType: expect.stringMatching(/^application\/problem\+json/), body: { status: 408 } });
  });

  it('a request that is not HTTP gets 400 problem+json', async () => {
    const { text } = await rawExchange(api.baseUrl, ['GET / HTTP/1.1\r\nHost: api\r\nthis is not a header\r\n\r\n']);
    expect(parseRaw(text)).toMatchObject({ status: 400, contentType: expect.stringMatching(/^application\/problem\+json/), body: { type: '/problems/bad-request', status: 400 } });
  });

  it('headers over the size limit get 431 problem+json', async () => {
    const { text } = await rawExchange(api.baseUrl, [`GET /health/live HTTP/1.1\r\nHost: api\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`]);
    expect(parseRaw(text)).toMatchObject({ status: 431, contentType: expect.stringMatching(/^application\/problem\+json/), body: { type: '/problems/headers-too-large', status: 431 } });
  });

  it('a slow but timely request is served normally', async () => {
    const { text } = await rawExchange(api.baseUrl, ['GET /health/live HTTP/1.1\r\n', 'Host: api\r\nConnection: close\r\n\r\n'], 100);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});
