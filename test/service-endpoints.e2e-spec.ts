// The service endpoints over real HTTP: health, readiness and the API documentation.
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

/** Every path (with its methods) implemented so far, as the OpenAPI document must list it. */
const IMPLEMENTED: Record<string, string[]> = {
  '/v1/missions/{missionId}/events': ['get', 'post'],
  '/v1/events': ['get'],
  '/v1/api-keys': ['get', 'post'],
  '/v1/api-keys/{id}': ['delete'],
  '/health/live': ['get'],
  '/health/ready': ['get'],
};

/** The routes of the running app, read from its controllers' metadata ("{id}" style paths). */
function servedRoutes(api: TestApi): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const join = (...parts: string[]) => `/${parts.flatMap((part) => part.split('/')).filter(Boolean).join('/')}`;
  for (const module of api.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base: string = Reflect.getMetadata(PATH_METADATA, controller) ?? '';
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path: string | undefined = Reflect.getMetadata(PATH_METADATA, handler);
        const method: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
        if (path === undefined || method === undefined) continue;
        routes.push({ method: RequestMethod[method].toLowerCase(), path: join(base, path).replace(/:(\w+)/g, '{$1}') });
      }
    }
  }
  return routes;
}

describe('service endpoints', () => {
  let db: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    db = await createTestDatabase('service_endpoints');
    api = await startTestApi(db.url);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('health', () => {
    it('GET /health/live answers 200 without an API key', async () => {
      const response = await api.request('GET', '/health/live', { key: null });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready answers 200 with postgres and redis up, without an API key', async () => {
      const response = await api.request('GET', '/health/ready', { key: null });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({ postgres: 'up', redis: 'up' }));
    });

    it('GET /health/ready answers 200 as soon as a freshly started API listens (PostgreSQL and Redis are up)', async () => {
      const freshApi = await startTestApi(db.url);
      try {
        const response = await freshApi.request('GET', '/health/ready', { key: null });
        expect({ status: response.status, body: response.body }).toEqual({ status: 200, body: expect.objectContaining({ postgres: 'up', redis: 'up' }) });
      } finally {
        await freshApi.close();
      }
    });

    it('GET /health/ready answers 503 naming PostgreSQL when it is unreachable', async () => {
      const deadApi = await startTestApi('postgresql://postgres@127.0.0.1:1/nothing');
      try {
        expect((await deadApi.request('GET', '/health/live', { key: null })).status).toBe(200);
        const response = await deadApi.request('GET', '/health/ready', { key: null });
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.body.status).toBe(503);
        expect(response.body.detail).toMatch(/PostgreSQL/);
        expect(response.body.postgres).toBe('down');
        expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      } finally {
        await deadApi.close();
      }
    });

    it('GET /health/ready answers 503 naming Redis when it is unreachable; appends still succeed', async () => {
      const noRedisApi = await startTestApi(db.url, { REDIS_URL: 'redis://127.0.0.1:1' });
      try {
        const response = await noRedisApi.request('GET', '/health/ready', { key: null });
        expect(response.status).toBe(503);
        expect(response.body.detail).toMatch(/Redis/);
        expect(response.body.detail).not.toMatch(/PostgreSQL/);
        const appended = await noRedisApi.request('POST', '/v1/missions/mss-no-redis/events', {
          body: { events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: 'No Redis', hostCountry: 'HTI' } }] },
        });
        expect(appended.status).toBe(201);
        expect((await api.request('GET', '/v1/missions/mss-no-redis/events')).body.events).toHaveLength(1);
      } finally {
        await noRedisApi.close();
      }
    });
  });

  describe('documentation', () => {
    it('GET /docs serves the Swagger UI as HTML without an API key', async () => {
      const response = await fetch(`${api.baseUrl}/docs`, { redirect: 'follow' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toMatch(/<html/i);
      expect(html).toMatch(/swagger/i);
    });

    describe('GET /docs-json', () => {
      let document: { openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> };
      beforeAll(async () => {
        const response = await api.request('GET', '/docs-json', { key: null });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/json/);
        document = response.body;
      });

      it('is an OpenAPI 3 document', () => {
        expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
        expect(typeof document.info.title).toBe('string');
        expect(document.info.title.length).toBeGreaterThan(0);
      });

      it.each(Object.entries(IMPLEMENTED))('lists %s', (path, methods) => {
        expect(Object.keys(document.paths)).toContain(path);
        for (const method of methods) expect(Object.keys(document.paths[path])).toContain(method);
      });

      it('lists every route the running API serves under /v1 and /health (found from its controllers)', () => {
        const served = servedRoutes(api).filter((route) => /^\/(v1|health)\//.test(route.path));
        // The discovery itself must see the routes above, or this check would prove nothing.
        expect(served.map((route) => `${route.method} ${route.path}`)).toEqual(
          expect.arrayContaining(Object.entries(IMPLEMENTED).flatMap(([path, methods]) => methods.map((method) => `${method} ${path}`))),
        );
        const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
        expect(documented).toEqual(expect.arrayContaining(served.map((route) => `${route.method} ${route.path}`)));
      });

      it('documents the append request, its answers and its errors', () => {
        const post = document.paths['/v1/missions/{missionId}/events'].post as { requestBody?: unknown; responses: Record<string, unknown> };
        expect(post.requestBody).toBeDefined();
        expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409', '413', '415', '422', '503']));
      });
    });
  });
});
