// The real API (Nest + Fastify) listening on a free port, spoken to over real HTTP.
import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/config';
import { createHttpApp, HttpAppOptions } from '../../apps/api/src/http-server';
import { TEST_REDIS_URL } from './environment';
import { deleteRedisPrefix } from './redis-cleanup';

export const ADMIN_KEY = 'test-bootstrap-admin-key-0123456789';

export interface TestApi {
  baseUrl: string;
  app: NestFastifyApplication;
  redisPrefix: string;
  /** fetch with the admin key (or another) and JSON handled. */
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is (not JSON-encoded). */
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function startTestApi(databaseUrl: string, env: Record<string, string> = {}, options: HttpAppOptions = {}): Promise<TestApi> {
  // Instances given the same REDIS_PREFIX share Redis state (queues, rate-limit counts).
  const redisPrefix = env.REDIS_PREFIX ?? `mt-test-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'silent',
    PORT: '0',
    // The limiter runs on every request (one Redis call each) but no suite gets near this,
    // unless it sets its own limit.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
  const app = await createHttpApp(config, options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    baseUrl,
    app,
    redisPrefix,
    request: (method, path, options = {}) => requestJson(baseUrl, method, path, options),
    async close() {
      await app.close();
      await deleteRedisPrefix({ REDIS_URL: TEST_REDIS_URL, REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES }, redisPrefix).catch(() => undefined);
    },
  };
}

/** fetch with an API key (the admin key unless told otherwise) and JSON handled both ways. */
export async function requestJson(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
