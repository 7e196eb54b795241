// Browser-facing protection for every answer: security headers (helmet, with a Content Security
// Policy that allows our own origin only) and CORS closed unless CORS_ORIGINS lists an origin.
// (The per-key rate limit is the RateLimiter provider.)
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { AppConfig } from '@app/config';

/**
 * Our own origin only, no remote host. Swagger UI (/docs) and the queue board need inline
 * styles (a <style> block, React style attributes) and data: images (icons in their CSS);
 * scripts stay external files of our own.
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
};

/** Headers a browser client may send, and those of our answers it may read. */
const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
const CORS_EXPOSED_HEADERS = ['Idempotent-Replayed', 'Retry-After', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

/**
 * Not awaited (as for the queue board): awaiting a registration boots Fastify's plugins before
 * Nest has installed its error handler, and Fastify's own errors would lose problem+json.
 */
export function registerHttpSecurity(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // helmet's own middleware, built once: @fastify/helmet builds it again for every request
  // (parsing the policy each time: 3 % of the API's CPU on single-event appends).
  const securityHeaders = helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY });
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined)));
  void fastify.register(fastifyCors, {
    // false: no Access-Control-* header at all, so a browser on another origin is refused.
    origin: config.CORS_ORIGINS.length > 0 ? [...config.CORS_ORIGINS] : false,
    methods: ['GET', 'HEAD', 'POST', 'DELETE'],
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    // An OPTIONS request that is no preflight is not answered with the plugin's text/plain 400.
    strictPreflight: false,
    // After the request logger (onRequest), so preflights are logged with their request id too.
    hook: 'preParsing',
  });
}
