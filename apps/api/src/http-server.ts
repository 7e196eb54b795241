// Builds the HTTP application (used by main.ts and by tests that start the API in-process).
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { AppConfig, nestLogLevels } from '@app/config';
import { AppModule } from './app.module';
import { Problem } from './problems/problem';
import { frameworkErrorOptions } from './lifecycle/framework-errors';

export const BODY_LIMIT = 1024 * 1024;
const JSON_CONTENT_TYPE = /^application\/([\w.-]+\+)?json$/;

/** Only JSON bodies are accepted; anything else is a 415 before it reaches a handler. */
function acceptOnlyJson(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_CONTENT_TYPE, { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new Problem(400, 'invalid-json', 'the request body is not valid JSON'), undefined);
    }
  });
}

export async function createHttpApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, logger: false, ...frameworkErrorOptions(config.REQUEST_TIMEOUT_MS) });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    logger: nestLogLevels(config.LOG_LEVEL),
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  acceptOnlyJson(fastify);
  // Nest routes Fastify's own errors (body too large, bad media type) and unknown routes
  // through the same ProblemFilter as everything else.
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Mission Tracker')
      .setDescription('Event-sourced tracking of international security missions. Errors are application/problem+json (RFC 9457).')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
