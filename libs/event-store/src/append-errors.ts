// Why an append was refused, besides the domain rules (DomainError in @app/domain).
export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was already used with a different request body');
  }
}
