// The CLI's api-client over real HTTP against a scripted server: the answers the real API gives
// only under load or failure (429 and 503 with Retry-After, a proxy's HTML 502, a stall), and
// the headers the CLI must send (bearer key, Idempotency-Key) or must not (no key on /metrics).
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiClient, ApiError, UnreachableError } from '../apps/cli/src/api-client';
import { toCliError } from '../apps/cli/src/cli-error';
import { BatchSender } from '../apps/cli/src/import/batch-sender';

type Answer = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const problem = (response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  response.end(JSON.stringify({ type: '/problems/x', title: 'X', status, ...body }));
};

describe('the CLI api-client against a scripted server', () => {
  let server: Server;
  let url: string;
  /** The answers still to give, in order; each request takes the next. */
  let script: Answer[] = [];
  let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, headers: request.headers, body });
        const answer = script.shift();
        if (answer) answer(request, body, response);
        else problem(response, 500, { detail: 'the test gave no answer for this request' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    seen = [];
  });

  it('retries an append after a 429 with Retry-After, sending the same body, Idempotency-Key and key', async () => {
    script = [
      // The import first reads what the stream holds: nothing, the mission is new.
      (_request, _body, response) => problem(response, 404, { detail: 'mission m does not exist' }),
      (_request, _body, response) => problem(response, 429, { detail: 'slow down' }, { 'retry-after': '0' }),
      (_request, _body, response) => {
        response.writeHead(201, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ missionId: 'm', streamVersion: 1, events: [{ id: '00000000-0000-4000-8000-000000000000', version: 1, position: 1 }] }));
      },
    ];
    const waits: [number, string][] = [];
    const appended: [number[], number][] = [];
    const sender = new BatchSender(new ApiClient({ url, key: 'k-operator' }), {
      concurrency: 1,
      onAppended: (batch, alreadyInLog) => appended.push([batch.lines, alreadyInLog]),
      onWait: (seconds, reason) => waits.push([seconds, reason]),
    });
    const event = { type: 'PersonnelPledged' as const, occurredAt: '2024-01-01', data: { country: 'KEN', personnel: 5 } };
    await sender.enqueue({ missionId: 'm', ordinal: 0, events: [event], lines: [1] });
    await sender.drain();

    expect(waits).toEqual([[0, 'slow down']]);
    expect(appended).toEqual([[[1], 0]]);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/missions/m/events?fromVersion=1&limit=1000' });
    const [first, second] = seen.slice(1);
    expect(first.headers['idempotency-key']).toMatch(/^import-[0-9a-f]{64}$/);
    for (const request of [first, second]) {
      expect(request).toMatchObject({ method: 'POST', url: '/v1/missions/m/events' });
      expect(request.headers).toMatchObject({ authorization: 'Bearer k-operator', 'idempotency-key': first.headers['idempotency-key'], 'content-type': 'application/json' });
      expect(JSON.parse(request.body)).toEqual({ expectedVersion: 0, events: [event] });
    }
  });

  it('reads a 503 of /health/ready as not ready (what is down, and why), without sending the key', async () => {
    script = [(_request, _body, response) => problem(response, 503, { detail: 'Redis: connection refused', postgres: 'up', redis: 'down' }, { 'retry-after': '5' })];
    const readiness = await new ApiClient({ url, key: 'k-admin' }).readiness();
    expect(readiness).toEqual({ ready: false, postgres: 'up', redis: 'down', detail: 'Redis: connection refused' });
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('returns /metrics as text, without sending the key', async () => {
    script = [
      (_request, _body, response) => {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        response.end('mission_tracker_queue_jobs{queue="projections",state="waiting"} 3\n');
      },
    ];
    expect(await new ApiClient({ url, key: 'k-admin' }).metrics()).toBe('mission_tracker_queue_jobs{queue="projections",state="waiting"} 3\n');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/metrics' });
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it('turns a problem into an ApiError with its fields and Retry-After, and a non-JSON answer into one line', async () => {
    const client = new ApiClient({ url, key: 'k-viewer' });
    script = [(_request, _body, response) => problem(response, 403, { detail: 'needs admin' })];
    const forbidden = await client.listApiKeys().catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(ApiError);
    expect(forbidden).toMatchObject({ status: 403, message: 'needs admin', retryAfter: null });
    expect(toCliError(forbidden).message).toBe("HTTP 403: needs admin (this key's role may not do that)");

    script = [
      (_request, _body, response) => {
        response.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
        response.end('<html>bad gateway</html>');
      },
    ];
    const gateway = await client.projections().catch((error: unknown) => error);
    expect(toCliError(gateway).message).toBe('HTTP 502: HTTP 502 Bad Gateway');
  });

  it('gives up on a server that does not answer in time', async () => {
    script = [() => undefined]; // never answers
    const stalled = await new ApiClient({ url, timeoutMs: 200 }).readAll(0).catch((error: unknown) => error);
    expect(stalled).toBeInstanceOf(UnreachableError);
    expect((stalled as Error).message).toBe(`cannot reach ${url}: no answer in time`);
    expect(seen[0].url).toBe('/v1/events?after=0&limit=1000');
  });
});
