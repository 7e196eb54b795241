// Logs are JSON lines; every line a request causes carries its request id (the X-Request-Id
// header of its answer), and no API key ever reaches the log, whatever the key's fate.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';
import { established } from './support/events';

interface LogLine {
  level: number;
  msg?: string;
  reqId?: string;
  context?: string;
  req?: { method: string; url: string; headers: Record<string, string> };
  res?: { statusCode: number; headers: Record<string, string> };
}

describe('logs', () => {
  let db: TestDatabase;
  let api: TestApi;
  const output: string[] = [];
  const lines = (): LogLine[] => output.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const linesOf = (requestId: string) => lines().filter((line) => line.reqId === requestId);

  beforeAll(async () => {
    db = await createTestDatabase('logging');
    api = await startTestApi(db.url, { LOG_LEVEL: 'trace' }, { logDestination: { write: (chunk: string) => output.push(chunk) } });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('writes one JSON line per request, with its request id, which is also the X-Request-Id header', async () => {
    const response = await api.request('GET', '/v1/missions');
    const requestId = response.headers.get('x-request-id')!;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const completed = linesOf(requestId).find((line) => line.msg === 'request completed');
    expect(completed).toMatchObject({ level: 30, req: { method: 'GET', url: '/v1/missions' }, res: { statusCode: 200 } });
  });

  it('keeps a sane incoming X-Request-Id and replaces one that is not', async () => {
    const kept = await api.request('GET', '/v1/missions', { headers: { 'x-request-id': 'client-trace.42:a_b' } });
    expect(kept.headers.get('x-request-id')).toBe('client-trace.42:a_b');
    expect(linesOf('client-trace.42:a_b')).not.toHaveLength(0);

    const hostile = 'x'.repeat(129);
    const replaced = await api.request('GET', '/v1/missions', { headers: { 'x-request-id': hostile } });
    const generated = replaced.headers.get('x-request-id')!;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesOf(generated)).not.toHaveLength(0);
  });

  it('gives errors a request id too, and their lines carry it', async () => {
    const response = await api.request('GET', '/v1/missions', { key: 'not-a-key-at-all-0000' });
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-request-id')!;
    expect(linesOf(requestId).map((line) => line.res?.statusCode)).toContain(401);
  });

  it('never logs an API key: bootstrap, created, revoked or bad, in headers, bodies or cookies', async () => {
    const created = await api.request('POST', '/v1/api-keys', { body: { name: 'logged-operator', role: 'operator' } });
    expect(created.status).toBe(201);
    const doomed = await api.request('POST', '/v1/api-keys', { body: { name: 'doomed', role: 'viewer' } });
    expect((await api.request('DELETE', `/v1/api-keys/${doomed.body.id}`)).status).toBe(204);
    const badKey = `mt_${randomBytes(32).toString('base64url')}`;

    const append = await api.request('POST', '/v1/missions/mss-logged/events', { key: created.body.key, body: { events: [established()] } });
    expect(append.status).toBe(201);
    expect((await api.request('GET', '/v1/missions', { key: doomed.body.key })).status).toBe(401);
    expect((await api.request('GET', '/v1/missions', { key: badKey })).status).toBe(401);
    expect((await api.request('GET', '/v1/missions', { key: null, headers: { cookie: `session=${created.body.key}` } })).status).toBe(401);

    const log = output.join('');
    expect(lines().length).toBeGreaterThan(8);
    for (const key of [ADMIN_KEY, created.body.key, doomed.body.key, badKey]) expect(log).not.toContain(key);
    // The headers are there, their values are not.
    const appendLine = linesOf(append.headers.get('x-request-id')!).find((line) => line.msg === 'request completed');
    expect(appendLine?.req?.headers.authorization).toBe('[redacted]');
  });

  it('puts the request id on the lines Nest loggers write while serving a request with a body', async () => {
    // A table the API needs is gone: the answer is a 500, and the error is logged by Nest's Logger.
    await db.pool.query('ALTER TABLE api_keys RENAME TO api_keys_gone');
    try {
      const response = await api.request('POST', '/v1/api-keys', { body: { name: 'never-created', role: 'viewer' } });
      expect(response.status).toBe(500);
      const requestId = response.headers.get('x-request-id')!;
      const logged = linesOf(requestId);
      expect(logged.find((line) => line.context === 'Errors')).toMatchObject({ level: 50 });
      expect(logged.find((line) => line.msg === 'request errored')).toMatchObject({ res: { statusCode: 500 } });
    } finally {
      await db.pool.query('ALTER TABLE api_keys_gone RENAME TO api_keys');
    }
  });
});
