// The answers Fastify and Node's HTTP server give on their own, before any route or Nest
// filter runs, made problem+json like every other answer: a path that is not valid
// percent-encoding (400), a path parameter over maxParamLength (414), and errors of the HTTP
// connection itself (a request not received within the request timeout: 408; headers too
// large: 431; anything the HTTP parser refuses: 400). Also: no Fastify 503 of its own while
// closing (the drain in http-drain.ts decides what gets 503 then).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { sendProblem } from '../problems/problem.filter';
import { Problem } from '../problems/problem';

function fromFrameworkError(error: { code?: string }): Problem {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new Problem(400, 'invalid-url', 'the request path is not valid percent-encoded UTF-8');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new Problem(414, 'uri-too-long', 'a path segment of the request is too long');
    default:
      return new Problem(400, 'bad-request', 'the request could not be routed');
  }
}

function fromClientError(error: { code?: string }): Problem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new Problem(408, 'request-timeout', 'the request (headers and body) did not arrive in time');
    case 'HPE_HEADER_OVERFLOW':
      return new Problem(431, 'headers-too-large', 'the request headers are too large');
    default:
      return new Problem(400, 'bad-request', 'the request is not valid HTTP/1.1');
  }
}

/** Written straight to the socket: there is no request object for a connection-level error. */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const problem = fromClientError(error);
    const body = JSON.stringify(problem.toBody());
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Options for the FastifyAdapter; `requestTimeoutMs` bounds slow-body (and slow-header) clients. */
export function frameworkErrorOptions(requestTimeoutMs: number): FastifyServerOptions {
  return {
    frameworkErrors: (error: { code?: string }, _request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, fromFrameworkError(error)),
    clientErrorHandler,
    return503OnClosing: false,
    requestTimeout: requestTimeoutMs,
    // Node checks the request timeout on this interval (30 s by default, which would double it).
    http: { connectionsCheckingInterval: Math.min(1_000, requestTimeoutMs), headersTimeout: Math.min(60_000, requestTimeoutMs) },
  } as FastifyServerOptions;
}
