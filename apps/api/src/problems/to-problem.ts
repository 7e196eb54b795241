// Maps anything thrown while serving a request to a Problem. Unknown errors become a bare
// 500: their message and stack go to the log, never into the response.
import { HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { isDatabaseUnavailable } from '@app/database';
import { ThrottledWarning } from '@app/config';
import { AppendQueueFullError, AppendQueueShareExceededError, AppendTimedOutError, IdempotencyKeyReusedError, UnstorableEventError } from '@app/event-store';
import { Problem, validationProblem } from './problem';

const logger = new Logger('Errors');
const databaseWarning = new ThrottledWarning(logger);

const DOMAIN_STATUS: Record<DomainError['code'], number> = {
  'mission-not-found': 404,
  'mission-already-established': 409,
  'version-conflict': 409,
  'withdrawal-exceeds-deployed': 422,
  'personnel-limit-exceeded': 422,
  'correction-target-not-found': 422,
  'correction-target-invalid': 422,
  // The data is checked against the target's type, which only the stream knows: a field
  // error all the same, answered as the other field errors are.
  'correction-data-invalid': 400,
  'correction-conflict': 422,
  'predecessor-not-found': 422,
  'indicator-unit-conflict': 422,
};

const BODY_TOO_LARGE = () => new Problem(413, 'body-too-large', 'the request body is larger than 1 MiB');
const NOT_JSON = () => new Problem(415, 'unsupported-media-type', 'the request body must be JSON (Content-Type: application/json)');

/** Fastify's own errors (body parsing, limits) carry a code and a status. */
function fromFastify(error: { code: string; statusCode?: number; message: string }): Problem | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return BODY_TOO_LARGE();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return NOT_JSON();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(400, 'invalid-json', 'the request body is empty; a JSON object was expected');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new Problem(400, 'invalid-json', 'the request body is not valid JSON');
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new Problem(error.statusCode, 'bad-request', error.message);
  }
  return null;
}

export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof DomainError) {
    const extensions: Record<string, unknown> = {};
    if (error.details.currentVersion !== undefined) extensions.currentVersion = error.details.currentVersion;
    if (error.details.errors) extensions.errors = error.details.errors;
    else if (error.details.path) extensions.errors = [{ path: error.details.path, message: error.message }];
    return new Problem(DOMAIN_STATUS[error.code], error.code, error.message, extensions);
  }
  if (error instanceof IdempotencyKeyReusedError) return new Problem(422, 'idempotency-key-reused', error.message);
  if (error instanceof UnstorableEventError) return validationProblem([{ path: error.path, message: error.reason }], 'invalid append request');
  if (error instanceof AppendQueueFullError) {
    return new Problem(503, 'overloaded', `this server has ${error.queuedEvents} events waiting to be appended; nothing was changed. Retry shortly.`, {}, { 'Retry-After': '1' });
  }
  if (error instanceof AppendQueueShareExceededError) {
    // This key's own backlog, not the server's: a 429 like the rate limit, and the other keys go on.
    return new Problem(429, 'too-many-pending-appends', `this API key has ${error.queuedEvents} events waiting to be appended by this server; nothing was changed. Retry shortly.`, {}, { 'Retry-After': '1' });
  }
  if (error instanceof AppendTimedOutError) {
    logger.warn(`append timed out: ${error.message}`);
    return new Problem(503, 'database-busy', 'the append could not finish in time; nothing was changed. Retry shortly.', {}, { 'Retry-After': '1' });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new Problem(404, 'not-found', 'no such resource');
    if (status === 413) return BODY_TOO_LARGE();
    if (status === 415) return NOT_JSON();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
    return new Problem(status, 'http-error', Array.isArray(message) ? message.join('; ') : String(message));
  }
  if (isDatabaseUnavailable(error)) {
    databaseWarning.warn(`PostgreSQL unavailable: ${(error as Error).message}`);
    // A connection lost during COMMIT may still have committed: a retry with the same
    // Idempotency-Key is the way to be sure (it appends once, or returns the first answer).
    return new Problem(
      503,
      'database-unavailable',
      'PostgreSQL is unreachable. Retry later; retry an append with the same Idempotency-Key so that it is recorded exactly once.',
      {},
      { 'Retry-After': '5' },
    );
  }
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('FST_')) {
    const problem = fromFastify(error as { code: string; statusCode?: number; message: string });
    if (problem) return problem;
  }
  logger.error((error as Error)?.stack ?? String(error));
  return new Problem(500, 'internal-error', 'an unexpected error occurred; it has been logged');
}
