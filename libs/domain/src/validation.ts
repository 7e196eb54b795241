// Turns untrusted input into typed commands, or into a list of precise `{ path, message }`
// errors (every problem at once, so a client can fix a whole batch in one go).
import { z } from 'zod';
import { DomainEvent, EVENT_TYPES, eventDataSchemas, isEventType, unstorableText } from './catalogue';
import { OCCURRED_AT_RANGE, parseOccurredAt } from './occurred-at';
import { sourceSchema } from './source';

export interface FieldError {
  path: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** An event as an operator submits it, after validation. */
export type NewEvent = DomainEvent & {
  occurredAt: Date;
  metadata: Record<string, unknown>;
};

export interface AppendCommand {
  expectedVersion?: number;
  events: NewEvent[];
}

export const MAX_EVENTS_PER_APPEND = 1000;
/** Zod leaves the offending value out of its issues unless asked; the messages need it. */
export const PARSE_OPTIONS = { reportInput: true } as const;
const MAX_METADATA_BYTES = 4096;

/** `events[0].data.personnel` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : withArticle(typeof value);
}

const withArticle = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

/** Zod's issues, reworded for people and flattened to one entry per problem. */
export function zodErrors(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: formatPath([...path, key]), message: 'is not a known field' });
    } else if (issue.code === 'invalid_type' && issue.input === undefined) {
      errors.push({ path: formatPath(path), message: 'is required' });
    } else if (issue.code === 'invalid_type') {
      if (issue.expected === 'int' && typeof issue.input === 'number') {
        errors.push({ path: formatPath(path), message: 'must be an integer' });
      } else if (typeof issue.input === 'number' && !Number.isFinite(issue.input)) {
        // JSON has no Infinity: it is what a number literal too large for a double (1e309) becomes.
        errors.push({ path: formatPath(path), message: 'must be a finite number (this one is too large: beyond ±1.8e308)' });
      } else {
        const expected = issue.expected === 'int' ? 'an integer' : issue.expected === 'record' ? 'an object' : withArticle(issue.expected);
        errors.push({ path: formatPath(path), message: `must be ${expected}, not ${describe(issue.input)}` });
      }
    } else if ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int') {
      // An integer beyond 2^53 (2^64, say): JSON carries it, but not exactly.
      errors.push({ path: formatPath(path), message: `must be an integer between -${Number.MAX_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}` });
    } else if (issue.code === 'invalid_value') {
      errors.push({ path: formatPath(path), message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` });
    } else {
      errors.push({ path: formatPath(path), message: issue.message });
    }
  }
  return errors;
}

/** Deeper than any sensible metadata; keeps every walk of it (and JSON.stringify) off the stack limit. */
export const MAX_METADATA_DEPTH = 64;

/**
 * Where metadata could not be stored as it is: text PostgreSQL refuses (in keys and values
 * at any depth), numbers JSON cannot hold, nesting deeper than MAX_METADATA_DEPTH.
 * Iterative, so no input can overflow the stack.
 */
export function metadataErrors(metadata: Record<string, unknown>, path: ReadonlyArray<PropertyKey>): FieldError[] {
  const errors: FieldError[] = [];
  const pending: Array<{ value: unknown; path: ReadonlyArray<PropertyKey>; depth: number }> = [{ value: metadata, path, depth: 1 }];
  for (let next = 0; next < pending.length && errors.length < MAX_METADATA_ERRORS; next++) {
    const { value, path: at, depth } = pending[next];
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) errors.push({ path: formatPath(at), message: problem });
    } else if (typeof value === 'number' && !Number.isFinite(value)) {
      errors.push({ path: formatPath(at), message: 'must be a finite number (this one is too large: beyond ±1.8e308)' });
    } else if (value !== null && typeof value === 'object') {
      if (depth > MAX_METADATA_DEPTH) {
        errors.push({ path: formatPath(at), message: `is nested too deep: metadata may be at most ${MAX_METADATA_DEPTH} levels deep` });
        continue;
      }
      for (const [key, child] of Object.entries(value)) {
        const childPath = [...at, Array.isArray(value) ? Number(key) : key];
        const keyProblem = Array.isArray(value) ? null : unstorableText(key);
        if (keyProblem) errors.push({ path: formatPath(childPath), message: `is a key that ${keyProblem}` });
        pending.push({ value: child, path: childPath, depth: depth + 1 });
      }
    }
  }
  return errors;
}
/** Enough to show what is wrong; a body of a million bad strings gets no million-line answer. */
const MAX_METADATA_ERRORS = 20;

const metadataSchema = z.record(z.string(), z.unknown());
const metadataSize = (metadata: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(metadata));

const eventEnvelopeSchema = z.strictObject({
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  metadata: metadataSchema.optional(),
});

export const appendRequestSchema = z.strictObject({
  expectedVersion: z.number().int('must be an integer').min(0, 'must be at least 0').optional(),
  events: z
    .array(z.unknown())
    .min(1, 'must hold at least 1 event')
    .max(MAX_EVENTS_PER_APPEND, `must hold at most ${MAX_EVENTS_PER_APPEND} events`),
});

export function validateEvent(input: unknown, path: ReadonlyArray<PropertyKey> = []): Validated<NewEvent> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ path: formatPath(path), message: `must be an object, not ${describe(input)}` }] };
  }
  const envelope = eventEnvelopeSchema.safeParse(input, PARSE_OPTIONS);
  const errors: FieldError[] = envelope.success ? [] : zodErrors(envelope.error, path);
  // The type, the date and the data are checked even when the envelope is wrong, so one
  // answer lists every problem (the envelope schema already reported non-strings).
  const { type, occurredAt, data } = input as { type?: unknown; occurredAt?: unknown; data?: unknown };
  if (typeof type === 'string' && !isEventType(type)) {
    errors.push({
      path: formatPath([...path, 'type']),
      message: `unknown event type "${type}"; expected one of ${EVENT_TYPES.join(', ')}`,
    });
  }
  const instant = typeof occurredAt === 'string' ? parseOccurredAt(occurredAt) : null;
  if (typeof occurredAt === 'string' && !instant) {
    errors.push({
      path: formatPath([...path, 'occurredAt']),
      message: `must be an ISO 8601 date ("2024-06-24") or date-time ("2024-06-24T18:00:00Z") ${OCCURRED_AT_RANGE}`,
    });
  }
  let parsedData: unknown;
  if (isEventType(type) && data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const result = eventDataSchemas[type].safeParse(data, PARSE_OPTIONS);
    if (result.success) parsedData = result.data;
    else errors.push(...zodErrors(result.error, [...path, 'data']));
  }
  // Checked before the size: the size is measured with JSON.stringify, which recurses.
  if (envelope.success && envelope.data.metadata) {
    const metadataPath = [...path, 'metadata'];
    const problems = metadataErrors(envelope.data.metadata, metadataPath);
    errors.push(...problems);
    if (problems.length === 0 && metadataSize(envelope.data.metadata) > MAX_METADATA_BYTES) {
      errors.push({ path: formatPath(metadataPath), message: `must be at most ${MAX_METADATA_BYTES} bytes of JSON` });
    }
    if (envelope.data.metadata.source !== undefined) {
      const source = sourceSchema.safeParse(envelope.data.metadata.source, PARSE_OPTIONS);
      if (!source.success) errors.push(...zodErrors(source.error, [...metadataPath, 'source']));
    }
  }
  if (!envelope.success || errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { type, data: parsedData, occurredAt: instant, metadata: envelope.data.metadata ?? {} } as NewEvent,
  };
}

export function validateAppendRequest(input: unknown): Validated<AppendCommand> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: `the body must be a JSON object, not ${describe(input)}` }] };
  }
  const request = appendRequestSchema.safeParse(input, PARSE_OPTIONS);
  const errors: FieldError[] = request.success ? [] : zodErrors(request.error);
  const events: NewEvent[] = [];
  const submitted = (input as { events?: unknown }).events;
  // Events are checked even when the envelope is wrong, so one answer lists every problem.
  const candidates = Array.isArray(submitted) && submitted.length <= MAX_EVENTS_PER_APPEND ? submitted : [];
  candidates.forEach((event, index) => {
    const result = validateEvent(event, ['events', index]);
    if (result.ok) events.push(result.value);
    else errors.push(...result.errors);
  });
  if (!request.success || errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { expectedVersion: request.data.expectedVersion, events } };
}
