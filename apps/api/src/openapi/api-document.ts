// The OpenAPI 3.0 document served at /docs-json: Nest's scan of the controllers' decorators,
// the zod-generated components, and the answers every operation shares (written once here
// rather than on every route).
import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { requestComponents } from '../events/openapi';
import { SESSION_COOKIE, SESSION_COOKIE_METHODS } from '../session/session-cookie';
import { responseSchemas } from './response-schemas';
import { BEARER_SCHEME, SESSION_SCHEME } from './security-schemes';
import { toOpenApiComponents } from './zod-openapi';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const retryAfter = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } };

export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mission Tracker')
      .setDescription(
        'Event-sourced tracking of international security missions. Errors are application/problem+json (RFC 9457). ' +
          'Authenticate with `Authorization: Bearer <API key>`; roles: viewer (reads), operator (+ appends), admin (everything). ' +
          `Every GET also accepts the dashboard's session cookie \`${SESSION_COOKIE}\` instead (set by POST /v1/session with a key, ` +
          'carrying that key\'s role); a write never does.',
      )
      .setVersion('1')
      .setLicense('MIT', 'https://opensource.org/license/mit')
      .addServer('/', 'this server')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'an API key (POST /v1/api-keys, or BOOTSTRAP_ADMIN_KEY)' }, BEARER_SCHEME)
      .addCookieAuth(
        SESSION_COOKIE,
        {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'the dashboard session (POST /v1/session): HttpOnly, SameSite=Strict; accepted on reads (GET) only, with the role of the key that signed in',
        },
        SESSION_SCHEME,
      )
      .build(),
  );
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...requestComponents, ...toOpenApiComponents(responseSchemas, 'output') },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) completeOperation(path, method, operation);
    }
  }
  return document;
}

function completeOperation(path: string, method: (typeof METHODS)[number], operation: Operation): void {
  // Routes without @RequireRole are public: the guard reads the same metadata that adds `security`.
  operation.security ??= [];
  // The guard takes the session cookie instead of the key wherever it takes the key on a read.
  if (SESSION_COOKIE_METHODS.has(method.toUpperCase()) && operation.security.some((requirement) => BEARER_SCHEME in requirement)) {
    // A new array: Nest shares one between the operations of a controller with a class-level role.
    operation.security = [...operation.security, { [SESSION_SCHEME]: [] }];
  }
  const responses: Responses = operation.responses;
  if (/^\/v1(\/|$)/.test(path) && !responses['429']) {
    responses['429'] = { description: 'over RATE_LIMIT_PER_MINUTE requests in a minute for this API key (Retry-After)' };
  }
  for (const [status, response] of Object.entries(responses)) {
    if (!response || Number(status) < 400 || '$ref' in response) continue;
    // Every error, whoever raises it, leaves through the one problem filter.
    response.content = problemContent;
    if (status === '429' || status === '503') response.headers = { ...retryAfter, ...response.headers };
  }
}
