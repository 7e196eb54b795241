// Structured JSON logs (pino) for the API: one line per request served, and every line a
// request causes (Nest Logger calls included, through nestjs-pino's request context) carries
// its `reqId`, which is also the `X-Request-Id` response header.
import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import { AppConfig, FrameworkQuietLogger } from '@app/config';

const REQUEST_ID_HEADER = 'x-request-id';

/** An incoming X-Request-Id is kept when it is this sane (it is echoed and logged). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Never written to a log: credentials travel in these request headers (the bearer API key, the
 * dashboard's session cookie). Of an answer only the status is logged, so no Set-Cookie either;
 * and pino-http never logs bodies, which is relied upon too: keys travel in /v1/api-keys
 * answers and /v1/session requests.
 */
const REDACTED = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

/** Probes and scrapes would drown the log: they keep a request id, just no line of their own. */
const QUIET_PATHS = /^\/(health\/|metrics(\?|$))/;

/** Fastify's genReqId: the id of a request, from the client when sane. */
export function requestId(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

function httpLogOptions(config: AppConfig): Options {
  return {
    level: config.LOG_LEVEL,
    // Lines caused by a request bind only its id; the request itself is on its "completed" line.
    quietReqLogger: true,
    redact: { paths: REDACTED, censor: '[redacted]' },
    serializers: { res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }) },
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
    autoLogging: { ignore: (request) => QUIET_PATHS.test(request.url ?? '') },
  };
}

function echoRequestId(request: IncomingMessage & { id?: string }, response: ServerResponse, next: () => void): void {
  if (request.id) response.setHeader(REQUEST_ID_HEADER, request.id);
  next();
}

@Module({})
export class HttpLoggingModule implements NestModule {
  /** nestjs-pino's module, logging at LOG_LEVEL to stdout (or to `destination`, for tests). */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const options = httpLogOptions(config);
    return {
      module: HttpLoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options })],
      // The app's logger (http-server.ts): nestjs-pino's, with Nest's start-up narration at debug.
      providers: [FrameworkQuietLogger],
      exports: [FrameworkQuietLogger],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(echoRequestId).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}
