// A typed client of the HTTP API: openapi-fetch over the types generated from /docs-json
// (schema.ts), so a call to a path, a parameter or a field the API does not have fails to
// compile. For the CLI, scripts and the dashboard's TypeScript.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * The media types this client reads: JSON answers and problem+json errors. (Reads also answer
 * text/csv with `?format=csv`; a client that wants CSV asks with `parseAs: 'text'`.)
 */
type JsonMedia = 'application/json' | 'application/problem+json';
export type ApiClient = Client<paths, JsonMedia>;
/** The bodies the API answers and accepts, by component name: `ApiSchemas['Personnel']`. */
export type ApiSchemas = components['schemas'];
export type Problem = ApiSchemas['Problem'];

export interface ApiClientOptions {
  /** e.g. http://localhost:3000 */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`; leave out in a browser signed in with the session cookie. */
  apiKey?: string;
  fetch?: typeof globalThis.fetch;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<paths, JsonMedia>({ baseUrl: options.baseUrl, fetch: options.fetch });
  if (options.apiKey) {
    const bearer: Middleware = {
      onRequest({ request }) {
        request.headers.set('authorization', `Bearer ${options.apiKey}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}
