// @ts-check
// The page's one way to read the API: GET with the session cookie, typed from the OpenAPI
// document's generated types. A 401 means the session has ended (signed out, revoked).

/** @typedef {import('../../../libs/api-client/src/schema').paths} Paths */
/**
 * The JSON body of a GET's 200 answer.
 * @template {keyof Paths} P
 * @typedef {Paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer B } } } } } ? B : never} Ok
 */
/**
 * The path and query parameters of a GET.
 * @template {keyof Paths} P
 * @typedef {Paths[P] extends { get: { parameters: infer Q } } ? Q : never} Params
 */

export class SessionEnded extends Error {}

/**
 * The URL of a GET: path parameters filled in, empty query values left out.
 * @template {keyof Paths} P
 * @param {P} path the path as the OpenAPI document names it: '/v1/missions/{missionId}/personnel'
 * @param {Params<P>} [params] `{ path: { missionId }, query: { asOf } }`
 */
export function urlOf(path, params) {
  const { path: names = {}, query = {} } = /** @type {{ path?: Record<string, string>, query?: Record<string, unknown> }} */ (params ?? {});
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  return String(path).replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(names[name])) + (search.toString() ? `?${search}` : '');
}

/**
 * GET with the session cookie.
 * @template {keyof Paths} P
 * @param {P} path
 * @param {Params<P>} [params]
 * @returns {Promise<Ok<P>>}
 */
export async function read(path, params) {
  const response = await fetch(urlOf(path, params), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) throw new SessionEnded();
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.detail ?? `the server answered ${response.status}`);
  return body;
}

/**
 * A link that downloads a read as CSV (the session cookie goes with it: same origin).
 * @template {keyof Paths} P
 * @param {P} path
 * @param {Params<P>} params
 * @param {string} label
 */
export function csvLink(path, params, label = 'Download CSV') {
  const link = document.createElement('a');
  const given = /** @type {{ path?: object, query?: object }} */ (params ?? {});
  link.href = urlOf(path, /** @type {Params<P>} */ ({ path: given.path, query: { ...(given.query ?? {}), format: 'csv' } }));
  link.className = 'csv';
  link.download = '';
  link.textContent = label;
  return link;
}
