// Builds the HTTP application (used by main.ts and by tests that start the API in-process).
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { AppConfig, nestLogLevels } from '@app/config';
import { AppModule } from './app.module';
import { acceptOnlyJson } from './http/json-body';

export const BODY_LIMIT = 1024 * 1024;

export async function createHttpApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    logger: nestLogLevels(config.LOG_LEVEL),
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  acceptOnlyJson(fastify, BODY_LIMIT);
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
