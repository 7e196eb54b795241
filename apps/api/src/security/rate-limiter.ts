// RATE_LIMIT_PER_MINUTE requests per minute per API key on /v1 and /admin, counted in Redis so
// that every API process shares the count (@fastify/rate-limit's Redis store: one INCR/PEXPIRE
// script on one key per request, so it is Redis Cluster safe, and the keys carry no hash tag,
// so the counts of different keys spread over a cluster's slots). Requests without a valid key
// (none, unknown, revoked) are counted per client IP instead, so rotating bad keys gains nothing.
//
// An append must never wait on Redis: the limiter's own connection (REDIS_CLIENTS.rateLimiter in
// libs/queues) queues nothing while Redis is away and gives up on a command after 100 ms; the
// request is then let through, and so are all requests for the next BYPASS_MS, without asking
// Redis (a stalled Redis costs one request per BYPASS_MS a short wait, not every request).
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyRateLimit, { errorResponseBuilderContext } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { AppConfig, CONFIG } from '@app/config';
import { RedisConnections } from '@app/queues';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Problem } from '../problems/problem';
import { sendProblem } from '../problems/problem.filter';

const WINDOW_MS = 60_000;
const BYPASS_MS = 5_000;
const STARTUP_WAIT_MS = 1_000;
/** The routes clients call; health probes, metrics scrapes, docs and the dashboard are not limited. */
const LIMITED_PATHS = /^\/(v1|admin)(\/|\?|$)/;

/**
 * The path as the router matched it (its pattern, such as /v1/missions/:missionId/events), not
 * the raw URL: the router decodes percent-escapes, so `/%761/missions` reaches /v1/missions
 * while its raw URL would not match LIMITED_PATHS. Unrouted requests (404) keep the raw URL.
 */
const routedPath = (request: FastifyRequest): string => request.routeOptions.url ?? request.url;

/** Every count under the configured namespace: `mt:rate-limit:key:<API key id>` or `…:ip:<address>`. */
export const rateLimitNamespace = (config: AppConfig): string => `${config.REDIS_PREFIX}:rate-limit:`;

@Injectable()
export class RateLimiter implements OnModuleInit {
  private redisFailedAt = 0;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: ApiKeyGuard,
    private readonly connections: RedisConnections,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Registered here, after Nest has set up its middleware, so the hook runs after the request
   * logger (a 429 has its X-Request-Id and log line) and before any route's own hooks (the
   * queue board's authentication) and before a body is read.
   */
  async onModuleInit(): Promise<void> {
    const max = this.config.RATE_LIMIT_PER_MINUTE;
    if (max === 0) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const redis = this.connections.client('rateLimiter'); // Redis down: requests pass unlimited until it is back

    void fastify.register(fastifyRateLimit, {
      global: false,
      max,
      timeWindow: WINDOW_MS,
      redis,
      nameSpace: rateLimitNamespace(this.config),
      skipOnError: false, // its errors reach the hook below, which lets the request through
      keyGenerator: (request) => this.clientKey(request),
      errorResponseBuilder: (_request, context: errorResponseBuilderContext) => {
        const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
        const detail = `more than ${max} requests in a minute for this API key (or, without a valid key, from this address); retry in ${seconds} s`;
        return new Problem(429, 'rate-limited', detail, {}, { 'Retry-After': String(seconds) });
      },
    });

    let limit: ReturnType<FastifyInstance['rateLimit']> | undefined;
    fastify.addHook('onRequest', async (request, reply) => {
      // Preflights carry no key and are answered by the CORS plugin without touching anything.
      if (request.method === 'OPTIONS' || !LIMITED_PATHS.test(routedPath(request))) return;
      if (redis.status !== 'ready' || Date.now() - this.redisFailedAt < BYPASS_MS) return;
      limit ??= fastify.rateLimit(); // decorated once the plugin has loaded, before the first request
      try {
        await limit.call(fastify, request, reply);
      } catch (error) {
        if (!(error instanceof Problem)) {
          this.redisFailedAt = Date.now(); // Redis is slow or away
          return;
        }
        // Answered here: routes outside Nest (the queue board) have error handlers of their own.
        sendProblem(reply, error);
        return reply;
      }
    });

    // Counting from the first request when Redis is there; no start-up wait worth the name when not.
    await Promise.race([once(redis, 'ready'), once(redis, 'error'), setTimeout(STARTUP_WAIT_MS)]).catch(() => undefined);
  }

  private async clientKey(request: FastifyRequest): Promise<string> {
    try {
      return `key:${(await this.guard.authenticate(request)).id}`; // a dashboard session counts as its key
    } catch {
      return `ip:${request.ip}`;
    }
  }
}
