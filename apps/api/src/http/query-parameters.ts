// A query parameter an operation does not take is 400 naming it (CONTRACT section 10), never
// silently ignored: `asOf` on the timeline, `type` on personnel, a misspelt `minPostion`. The
// parameters an operation takes are the ones its OpenAPI document lists (generated from the
// zod schemas the route validates with), so the document and the server cannot disagree.
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { validationProblem } from '../problems/problem';
import { sendProblem } from '../problems/problem.filter';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `GET /v1/missions/:missionId/personnel` -> the query parameter names its operation lists. */
export function queryParametersByRoute(document: OpenAPIObject): Map<string, ReadonlySet<string>> {
  const routes = new Map<string, ReadonlySet<string>>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const names = (operation.parameters ?? []).flatMap((p) => ('in' in p && p.in === 'query' ? [p.name] : []));
      routes.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, new Set(names));
    }
  }
  return routes;
}

export function refuseUnknownQueryParameters(fastify: FastifyInstance, document: OpenAPIObject): void {
  const routes = queryParametersByRoute(document);
  fastify.addHook('preHandler', async (request, reply) => {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const taken = routes.get(`${method} ${request.routeOptions.url}`);
    if (!taken) return; // not an operation of the document (the dashboard's files, Swagger UI, the queue board)
    const query = (request.query ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(query).filter((name) => !taken.has(name));
    if (unknown.length === 0) return;
    const takes = taken.size === 0 ? 'it takes none' : `it takes ${[...taken].join(', ')}`;
    sendProblem(reply, validationProblem(unknown.map((name) => ({ path: name, message: `is not a parameter of this endpoint (${takes})` })), 'invalid query'));
    return reply;
  });
}
