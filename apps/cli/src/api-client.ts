// The CLI's only way to the service: one method per HTTP endpoint it uses, over the typed
// openapi-fetch client of @app/api-client. Paths, parameters and bodies are the types generated
// from /docs-json, so a change to the API that the CLI depends on fails to compile. What the
// commands need on top: every answer other than the expected success thrown as an ApiError
// (with Retry-After, for the import's retries), an unreachable service as UnreachableError.
import { createApiClient, type ApiClient as TypedApiClient, type ApiSchemas, type Problem } from '@app/api-client';

export type { Problem };
export type EventEnvelope = ApiSchemas['StoredEvent'];
export type EventToAppend = ApiSchemas['NewEvent'];
export type AppendResult = ApiSchemas['AppendResult'];
export type GlobalPage = ApiSchemas['GlobalPage'];
export type StreamPage = ApiSchemas['StreamPage'];
export type ApiKey = ApiSchemas['ApiKey'];
export type CreatedApiKey = ApiSchemas['CreatedApiKey'];
export type Role = ApiKey['role'];
export type ProjectionStatus = ApiSchemas['ProjectionStatus'];
export type RebuildAccepted = ApiSchemas['RebuildAccepted'];

export interface AppendOutcome {
  result: AppendResult;
  replayed: boolean;
}

/** GET /health/ready, from its 200 (Ready) or its 503 (a Problem naming what is down). */
export interface Readiness {
  ready: boolean;
  postgres?: string;
  redis?: string;
  detail?: string;
  /** With DATABASE_REPLICA_URLS: each replica's state (a replica down is no reason for not ready). */
  replicas?: { name: string; state: string; lagSeconds: number | null }[];
  /** Ready, but a projection partition is stuck or failed (what, in detail). */
  degraded?: boolean;
}

/** An answer of the API other than the expected success. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    /** Seconds, from a Retry-After header (429, 503). */
    readonly retryAfter: number | null,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** The service could not be reached at all (refused, reset, unknown host, timed out). */
export class UnreachableError extends Error {}

export interface ApiClientOptions {
  url: string;
  key?: string;
  /** Per request; a stalled server must not hang the CLI for ever. */
  timeoutMs?: number;
}

/** What every openapi-fetch call answers; `error` is the parsed body of a non-2xx answer. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export class ApiClient {
  readonly url: string;
  private readonly api: TypedApiClient;
  /** /health/* and /metrics are public: the key is not sent there. */
  private readonly publicApi: TypedApiClient;

  constructor(options: ApiClientOptions) {
    const base = new URL(options.url);
    this.url = base.origin + base.pathname.replace(/\/$/, '');
    const fetch = timedFetch(this.url, options.timeoutMs ?? 60_000);
    this.api = createApiClient({ baseUrl: this.url, apiKey: options.key, fetch });
    this.publicApi = createApiClient({ baseUrl: this.url, fetch });
  }

  /** `replayed`: the server answered an earlier append with the same key again; nothing was appended now. */
  async appendEvents(missionId: string, events: EventToAppend[], options: { expectedVersion?: number; idempotencyKey?: string } = {}): Promise<AppendOutcome> {
    const { expectedVersion, idempotencyKey } = options;
    const header = idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : undefined;
    const body = expectedVersion === undefined ? { events } : { expectedVersion, events };
    const answer = await this.api.POST('/v1/missions/{missionId}/events', { params: { path: { missionId }, header }, body });
    return { result: bodyOf(answer), replayed: answer.response.headers.get('idempotent-replayed') === 'true' };
  }

  async readAll(after: number, limit = 1000): Promise<GlobalPage> {
    return bodyOf(await this.api.GET('/v1/events', { params: { query: { after, limit } } }));
  }

  async readStream(missionId: string, fromVersion: number, limit = 1000): Promise<StreamPage> {
    return bodyOf(await this.api.GET('/v1/missions/{missionId}/events', { params: { path: { missionId }, query: { fromVersion, limit } } }));
  }

  async createApiKey(name: string, role: Role): Promise<CreatedApiKey> {
    return bodyOf(await this.api.POST('/v1/api-keys', { body: { name, role } }));
  }

  async listApiKeys(): Promise<ApiKey[]> {
    return bodyOf(await this.api.GET('/v1/api-keys')).apiKeys;
  }

  async revokeApiKey(id: string): Promise<void> {
    expectEmpty(await this.api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } }));
  }

  async projections(): Promise<ProjectionStatus[]> {
    return bodyOf(await this.api.GET('/v1/projections')).projections;
  }

  /** Any name: the server answers one it does not know with a 404 that names the projections. */
  async rebuildProjection(name: string): Promise<RebuildAccepted> {
    const path = { name: name as ProjectionStatus['name'] };
    return bodyOf(await this.api.POST('/v1/projections/{name}/rebuild', { params: { path } }));
  }

  /** 200 or 503 both say something worth showing; only those are not errors here. */
  async readiness(): Promise<Readiness> {
    const { data, error, response } = await this.publicApi.GET('/health/ready');
    if (data) return { ready: true, postgres: data.postgres, redis: data.redis, degraded: data.status === 'degraded', detail: data.detail, ...(data.replicas && { replicas: data.replicas }) };
    if (response.status === 503 && isObject(error)) {
      return { ready: false, postgres: text(error.postgres), redis: text(error.redis), detail: text(error.detail) };
    }
    throw toApiError(response, error);
  }

  async metrics(): Promise<string> {
    const { data, error, response } = await this.publicApi.GET('/metrics', { parseAs: 'text' });
    if (!response.ok) throw toApiError(response, error);
    return data ?? '';
  }
}

/** The body of a success, or the answer as an ApiError. */
function bodyOf<T>({ data, error, response }: FetchResult<T>): T {
  if (response.ok && data !== undefined) return data;
  throw toApiError(response, error);
}

/** For an endpoint whose success has no body (204). */
function expectEmpty({ error, response }: FetchResult<unknown>): void {
  if (!response.ok) throw toApiError(response, error);
}

function toApiError(response: Response, body: unknown): ApiError {
  const problem: Problem = isObject(body)
    ? ({ status: response.status, ...body } as Problem)
    : { type: 'about:blank', title: response.statusText, status: response.status, detail: `HTTP ${response.status} ${response.statusText}` };
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiError(response.status, problem, Number.isFinite(retryAfter) && retryAfter >= 0 && response.headers.has('retry-after') ? retryAfter : null);
}

/** fetch with a deadline per request, and its failures said as UnreachableError. */
function timedFetch(url: string, timeoutMs: number): typeof globalThis.fetch {
  return async (input, init) => {
    try {
      return await globalThis.fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new UnreachableError(`cannot reach ${url}: ${networkReason(error)}`);
    }
  };
}

/** fetch hides the reason in `cause` (ECONNREFUSED, ENOTFOUND...); say it in a few words. */
function networkReason(error: unknown): string {
  // By name, not instanceof: the DOMException of an abort may come from another realm.
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the API running?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object';
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
