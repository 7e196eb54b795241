// Why an append was refused, besides the domain rules (DomainError in @app/domain).
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was already used with a different request body');
  }
}

/** Text PostgreSQL cannot store (jsonb refuses NUL and lone surrogates); nothing was appended. */
export class UnstorableEventError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`);
  }
}

/** Too many appends are waiting in this process already: retry shortly; nothing was appended. */
export class AppendQueueFullError extends Error {
  constructor(readonly queuedEvents: number) {
    super(`${queuedEvents} events are already waiting to be appended by this server`);
  }
}

/**
 * This API key has its share of the append queue waiting already: retry shortly; nothing was
 * appended. Refused before the queue is full, so one key's flood never refuses the others.
 */
export class AppendQueueShareExceededError extends Error {
  constructor(readonly queuedEvents: number) {
    super(`${queuedEvents} events of this API key are already waiting to be appended by this server`);
  }
}

/** The append could not take its locks or finish in time (another writer stalled); nothing was appended. */
export class AppendTimedOutError extends Error {}
