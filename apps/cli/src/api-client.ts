// The CLI's only way to the service: one typed method per HTTP endpoint it uses (contract
// section 4). The types mirror the contract; when /docs-json is a valid OpenAPI document they
// can be generated from it (openapi-typescript) and this module swapped for a generated client
// without touching the commands.

export interface EventEnvelope {
  id: string;
  missionId: string;
  version: number;
  position: number;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface EventToAppend {
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface AppendResult {
  missionId: string;
  streamVersion: number;
  events: { id: string; version: number; position: number }[];
}

export interface GlobalPage {
  events: EventEnvelope[];
  next: number;
}

export interface StreamPage {
  missionId: string;
  events: EventEnvelope[];
  nextVersion: number | null;
}

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface ProjectionStatus {
  name: string;
  position: number;
  headPosition: number;
  lagEvents: number;
  lagSeconds: number;
  status: 'live' | 'rebuilding' | 'failed';
  lastError: string | null;
  updatedAt: string;
  rebuild?: { generation: number; position: number } | null;
}

export interface Readiness {
  status: string;
  postgres?: 'up' | 'down';
  redis?: 'up' | 'down';
  detail?: string;
}

/** RFC 9457 problem details, as every error of the API is. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  currentVersion?: number;
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

export class ApiClient {
  private readonly base: URL;

  constructor(private readonly options: ApiClientOptions) {
    this.base = new URL(options.url);
  }

  get url(): string {
    return this.base.origin + this.base.pathname.replace(/\/$/, '');
  }

  appendEvents(missionId: string, events: EventToAppend[], idempotencyKey?: string): Promise<AppendResult> {
    return this.json('POST', `/v1/missions/${encodeURIComponent(missionId)}/events`, {
      body: { events },
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    });
  }

  readAll(after: number, limit = 1000): Promise<GlobalPage> {
    return this.json('GET', `/v1/events?after=${after}&limit=${limit}`);
  }

  readStream(missionId: string, fromVersion: number, limit = 1000): Promise<StreamPage> {
    return this.json('GET', `/v1/missions/${encodeURIComponent(missionId)}/events?fromVersion=${fromVersion}&limit=${limit}`);
  }

  createApiKey(name: string, role: string): Promise<ApiKey & { key: string }> {
    return this.json('POST', '/v1/api-keys', { body: { name, role } });
  }

  async listApiKeys(): Promise<ApiKey[]> {
    return (await this.json<{ apiKeys: ApiKey[] }>('GET', '/v1/api-keys')).apiKeys;
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.request('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`);
  }

  async projections(): Promise<ProjectionStatus[]> {
    return (await this.json<{ projections: ProjectionStatus[] }>('GET', '/v1/projections')).projections;
  }

  rebuildProjection(name: string): Promise<{ name: string; generation: number; status: string; started: boolean }> {
    return this.json('POST', `/v1/projections/${encodeURIComponent(name)}/rebuild`);
  }

  /** 200 or 503 both say something worth showing; only those are not errors here. */
  async readiness(): Promise<Readiness> {
    const response = await this.send('GET', '/health/ready', { auth: false });
    const body = await readBody(response);
    if (response.status === 200 || response.status === 503) return body as Readiness;
    throw toApiError(response, body);
  }

  async metrics(): Promise<string> {
    const response = await this.request('GET', '/metrics', { auth: false });
    return response.text();
  }

  private async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    return (await readBody(response)) as T;
  }

  /** Sends and turns any non-2xx answer into an ApiError. */
  private async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const response = await this.send(method, path, options);
    if (response.ok) return response;
    throw toApiError(response, await readBody(response));
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.auth !== false && this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    try {
      return await fetch(new URL(this.url + path), {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      throw new UnreachableError(`cannot reach ${this.url}: ${networkReason(error)}`);
    }
  }
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  auth?: boolean;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(response: Response, body: unknown): ApiError {
  const problem: Problem =
    body && typeof body === 'object' ? { status: response.status, ...(body as object) } : { status: response.status, detail: `HTTP ${response.status} ${response.statusText}` };
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ApiError(response.status, problem, Number.isFinite(retryAfter) && retryAfter >= 0 && response.headers.has('retry-after') ? retryAfter : null);
}

/** fetch hides the reason in `cause` (ECONNREFUSED, ENOTFOUND...); say it in a few words. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the API running?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
