// An empty body sent with `Content-Type: application/json` (many clients do, on any POST or
// DELETE) over real HTTP: where the route takes no body it is no body; where the route
// takes one, it is a precise 400.
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established } from './support/events';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';
import { RawRequest, rawRequest } from './support/raw-http';

const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];
const AUTH: [string, string] = ['Authorization', `Bearer ${ADMIN_KEY}`];
const EMPTY_DETAIL = 'the request body is empty; a JSON object was expected';

describe('an empty JSON body', () => {
  let db: TestDatabase;
  let api: TestApi;
  let port: number;
  const send = (request: RawRequest) => rawRequest(port, request);
  const problem = (body: Buffer) => JSON.parse(body.toString('utf8'));

  beforeAll(async () => {
    db = await createTestDatabase('empty_body');
    api = await startTestApi(db.url);
    port = Number(new URL(api.baseUrl).port);
    expect((await api.request('POST', '/v1/missions/mss-empty/events', { body: { events: [established('Empty body mission')] } })).status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe.each([
    ['empty', Buffer.alloc(0)],
    ['blank', Buffer.from(' \r\n')],
  ])('that is %s, on a route that takes no body', (_, body) => {
    it('starts a rebuild (POST /v1/projections/{name}/rebuild: 202)', async () => {
      const response = await send({ method: 'POST', path: '/v1/projections/personnel/rebuild', headers: [AUTH, JSON_TYPE], body });
      expect([response.status, response.body.toString()]).toEqual([202, expect.stringContaining('"rebuilding"')]);
    });

    it('signs out (DELETE /v1/session: 204)', async () => {
      const response = await send({ method: 'DELETE', path: '/v1/session', headers: [JSON_TYPE, ['Cookie', 'mt_session=x']], body });
      expect(response.status).toBe(204);
      expect(response.headers['set-cookie']).toContain('Max-Age=0'); // the cookies cleared (raw-http keeps the last Set-Cookie)
    });

    it('revokes a key (DELETE /v1/api-keys/{id}: 204)', async () => {
      const created = await api.request('POST', '/v1/api-keys', { body: { name: 'empty-body', role: 'viewer' } });
      const response = await send({ method: 'DELETE', path: `/v1/api-keys/${created.body.id}`, headers: [AUTH, JSON_TYPE], body });
      expect(response.status).toBe(204);
    });
  });

  describe.each([
    ['empty', Buffer.alloc(0)],
    ['blank', Buffer.from(' \r\n')],
  ])('that is %s, on a route that takes a body', (_, body) => {
    it.each([
      ['POST /v1/missions/{id}/events', '/v1/missions/mss-empty/events', [AUTH]],
      ['POST /v1/api-keys', '/v1/api-keys', [AUTH]],
      ['POST /v1/session', '/v1/session', []],
    ] as Array<[string, string, Array<[string, string]>]>)('is a 400 problem saying so: %s', async (_, path, headers) => {
      const response = await send({ method: 'POST', path, headers: [...headers, JSON_TYPE], body });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(problem(response.body)).toMatchObject({ status: 400, type: expect.stringContaining('invalid-json'), detail: EMPTY_DETAIL });
    });
  });

  it('is still a 400 on a route that takes a body when no Content-Type is sent either', async () => {
    const response = await send({ method: 'POST', path: '/v1/api-keys', headers: [AUTH], body: Buffer.alloc(0) });
    expect(response.status).toBe(400);
    expect(problem(response.body).detail).toBe(EMPTY_DETAIL);
  });

  it('that is not JSON on a route that takes no body is still refused (a body is read whatever the route)', async () => {
    const response = await send({ method: 'POST', path: '/v1/projections/personnel/rebuild', headers: [AUTH, JSON_TYPE], body: Buffer.from('{') });
    expect(response.status).toBe(400);
    expect(problem(response.body).detail).toBe('the request body is not valid JSON');
  });
});
