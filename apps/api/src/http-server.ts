// Builds the HTTP application (used by main.ts and by tests that start the API in-process).
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { AppConfig, assertSafeBootstrapKey, FrameworkQuietLogger } from '@app/config';
import { AppModule } from './app.module';
import { acceptOnlyJson } from './http/json-body';
import { refuseUnknownQueryParameters } from './http/query-parameters';
import { frameworkErrorOptions } from './lifecycle/framework-errors';
import { requestId } from './logging/http-logging.module';
import { buildApiDocument } from './openapi/api-document';
import { registerHttpSecurity } from './security/http-security';

export const BODY_LIMIT = 1024 * 1024;

export interface HttpAppOptions {
  /** Where log lines go instead of stdout (tests read them). */
  logDestination?: DestinationStream;
}

export async function createHttpApp(config: AppConfig, options: HttpAppOptions = {}): Promise<NestFastifyApplication> {
  assertSafeBootstrapKey(config);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    logger: false,
    genReqId: requestId,
    // request.protocol and request.ip read X-Forwarded-Proto/-For only from these peers.
    trustProxy: config.TRUST_PROXY.length > 0 ? [...config.TRUST_PROXY] : false,
    ...frameworkErrorOptions(config.REQUEST_TIMEOUT_MS),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options.logDestination), adapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(FrameworkQuietLogger)); // JSON lines (pino) at LOG_LEVEL, Nest's start-up lines at debug: see logging/
  registerHttpSecurity(app, config);
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  acceptOnlyJson(fastify, BODY_LIMIT);
  // Nest routes Fastify's own errors (body too large, bad media type) and unknown routes
  // through the same ProblemFilter as everything else.
  app.enableShutdownHooks();

  const document = buildApiDocument(app);
  refuseUnknownQueryParameters(fastify, document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
