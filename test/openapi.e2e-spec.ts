// The OpenAPI document as clients get it from the running API: valid (swagger-parser), clean
// under Redocly's recommended rules, complete (every endpoint of the contract, typed
// parameters, answers and errors), and the committed client types generated from it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient } from '@app/api-client';
import { generatedClientSchema, redoclyLint, swaggerParserVerdict } from './support/openapi-tools';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';

/** CONTRACT section 4: every /v1 endpoint and the service endpoints the document must list. */
const CONTRACT: Record<string, string[]> = {
  '/v1/missions/{missionId}/events': ['get', 'post'],
  '/v1/events': ['get'],
  '/v1/missions': ['get'],
  '/v1/missions/{missionId}/personnel': ['get'],
  '/v1/missions/{missionId}/funding': ['get'],
  '/v1/missions/{missionId}/timeline': ['get'],
  '/v1/missions/{missionId}/mandates': ['get'],
  '/v1/missions/{missionId}/indicators': ['get'],
  '/v1/missions/{missionId}/history': ['get'],
  '/v1/missions/{missionId}/live': ['get'],
  '/v1/projections': ['get'],
  '/v1/projections/{name}/rebuild': ['post'],
  '/v1/api-keys': ['get', 'post'],
  '/v1/api-keys/{id}': ['delete'],
  '/health/live': ['get'],
  '/health/ready': ['get'],
  '/metrics': ['get'],
};
const PUBLIC = ['/health/live', '/health/ready', '/metrics'];
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const operations = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ path, method, operation: item[method] })),
  );

describe('the OpenAPI document (/docs-json)', () => {
  let db: TestDatabase;
  let api: TestApi;
  let document: Document;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    db = await createTestDatabase('openapi');
    api = await startTestApi(db.url);
    const response = await api.request('GET', '/docs-json', { key: null });
    expect(response.status).toBe(200);
    document = response.body;
    dir = await mkdtemp(join(tmpdir(), 'mt-openapi-'));
    file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is a valid OpenAPI 3.0 document (swagger-parser)', async () => {
    expect(document.openapi).toMatch(/^3\.0\.\d+$/);
    expect(await swaggerParserVerdict(file)).toBeNull();
  }, 60_000);

  it("has no error under Redocly's recommended rules", async () => {
    const report = await redoclyLint(file, dir);
    expect(report.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);

  it.each(Object.entries(CONTRACT))('lists %s', (path, methods) => {
    expect(Object.keys(document.paths)).toContain(path);
    for (const method of methods) expect(Object.keys(document.paths[path])).toContain(method);
  });

  it('declares the dashboard session cookie as an apiKey scheme in a cookie', () => {
    expect((document.components as { securitySchemes?: unknown }).securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      session: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'mt_session' }),
    });
  });

  it('asks for the bearer API key on every /v1 operation (or on a GET the session cookie), with its 401, 403 and 429 problems, and on no service endpoint', () => {
    for (const { path, method, operation } of operations(document)) {
      const where = `${method} ${path}`;
      // Signing in takes the key in its body: no scheme. Signing out needs nothing, and ends the session its cookie names.
      if (PUBLIC.includes(path) || where === 'post /v1/session') {
        expect({ where, security: operation.security }).toEqual({ where, security: [] });
        continue;
      }
      if (where === 'delete /v1/session') {
        expect({ where, security: operation.security }).toEqual({ where, security: [{}, { session: [] }] });
        continue;
      }
      // The cookie on every read (CONTRACT section 4), never on a write.
      const security = method === 'get' ? [{ bearer: [] }, { session: [] }] : [{ bearer: [] }];
      expect({ where, security: operation.security }).toEqual({ where, security });
      for (const status of ['401', '403', '429']) {
        expect({ where, status, content: operation.responses[status]?.content }).toEqual({
          where,
          status,
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        });
      }
    }
  });

  it('answers every error as application/problem+json with the Problem schema', () => {
    for (const { path, method, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses).filter(([status]) => Number(status) >= 400)) {
        expect({ at: `${method} ${path} ${status}`, types: Object.keys(response.content ?? {}) }).toEqual({
          at: `${method} ${path} ${status}`,
          types: ['application/problem+json'],
        });
      }
    }
  });

  it('gives every operation a success answer with a schema (JSON, Prometheus text or an event stream), 204 aside', () => {
    for (const { path, method, operation } of operations(document)) {
      const successes = Object.entries(operation.responses).filter(([status]) => /^2/.test(status));
      expect({ at: `${method} ${path}`, successes: successes.length }).toEqual({ at: `${method} ${path}`, successes: 1 });
      const [status, response] = successes[0];
      if (status === '204') continue;
      const [type, media] = Object.entries(response.content ?? {})[0] ?? [];
      expect({ at: `${method} ${path}`, type }).toEqual({ at: `${method} ${path}`, type: expect.stringMatching(/^(application\/json|text\/plain|text\/event-stream)/) });
      if (type === 'application/json') expect(media?.schema?.$ref).toMatch(/^#\/components\/schemas\/\w+$/);
      else expect(media?.schema?.type).toBe('string');
    }
  });

  it('types every parameter (no schema-less or untyped one)', () => {
    const parameters = operations(document).flatMap(({ path, method, operation }) =>
      (operation.parameters ?? []).map((parameter) => ({ at: `${method} ${path} ${parameter.in} ${parameter.name}`, schema: parameter.schema })),
    );
    expect(parameters.length).toBeGreaterThan(20);
    for (const { at, schema } of parameters) {
      const types = schema?.anyOf ? (schema.anyOf as { type: string }[]).map((option) => option.type) : [schema?.type];
      expect({ at, types }).toEqual({ at, types: expect.arrayContaining([expect.stringMatching(/^(integer|string)$/)]) });
    }
    const limit = document.paths['/v1/missions/{missionId}/timeline'].get.parameters!.find((parameter) => parameter.name === 'limit');
    expect(limit?.schema).toEqual({ type: 'integer', minimum: 1, maximum: 1000, default: 50 });
  });

  it('describes the projections with lagSeconds, retry and rebuild as GET /v1/projections returns them', async () => {
    const { body } = await api.request('GET', '/v1/projections');
    const schema = document.components.schemas.ProjectionStatus as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(body.projections[0]).sort());
    expect(schema.required).toEqual(expect.arrayContaining(['lagSeconds', 'retry', 'rebuild']));
  });

  it('is what the committed client types (libs/api-client/src/schema.ts) were generated from: run `npm run openapi:types` after changing the API', async () => {
    const committed = await readFile(join(process.cwd(), 'libs', 'api-client', 'src', 'schema.ts'), 'utf8');
    expect(await generatedClientSchema(file, dir)).toBe(committed);
  }, 60_000);

  it('lets a client built on those types (@app/api-client, openapi-fetch) append and read with typed parameters and bodies', async () => {
    const client = createApiClient({ baseUrl: api.baseUrl, apiKey: ADMIN_KEY });
    const appended = await client.POST('/v1/missions/{missionId}/events', {
      params: { path: { missionId: 'mss-typed' } },
      body: {
        expectedVersion: 0,
        events: [
          { type: 'MissionEstablished', occurredAt: '2024-06-01', data: { name: 'Typed mission', hostCountry: 'HTI' } },
          { type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } },
        ],
      },
    });
    expect(appended.response.status).toBe(201);
    expect(appended.data?.events.map((event) => event.version)).toEqual([1, 2]);
    // asOf replays the log: no worker needed in this suite.
    const personnel = await client.GET('/v1/missions/{missionId}/personnel', {
      params: { path: { missionId: 'mss-typed' }, query: { asOf: '2024-12-31' } },
    });
    expect(personnel.response.status).toBe(200);
    const departed: number | undefined = personnel.data?.departed;
    expect(departed).toBe(400);
    const missing = await client.GET('/v1/missions/{missionId}/timeline', {
      // @ts-expect-error limit is an integer: the types refuse text
      params: { path: { missionId: 'mss-typed' }, query: { limit: 'ten' } },
    });
    expect(missing.response.status).toBe(400);
    expect(missing.error?.errors?.[0]?.path).toBe('limit');
  });
});
