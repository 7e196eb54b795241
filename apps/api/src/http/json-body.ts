// The one body parser of the API: JSON only, read strictly. Whatever a client sends, the
// answer is a value for the handlers or a 4xx Problem — never a crash further down.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { safeParse } from 'secure-json-parse';
import { Problem } from '../problems/problem';

/** Deeper than any request of the contract; bounds every recursive walk after parsing. */
export const MAX_JSON_DEPTH = 64;

/** `application/json` or `application/<anything>+json`, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json(;|$)/;
const CHARSET_PARAMETER = /;\s*charset\s*=\s*("[^"]*"|[^;\s]*)/i;
/** JSON is UTF-8 (RFC 8259 section 8.1); "utf8" is a common misspelling clients send. */
const UTF8_NAMES = new Set(['utf-8', 'utf8']);

export const invalidJson = (detail: string) => new Problem(400, 'invalid-json', detail);
export const EMPTY_BODY_DETAIL = 'the request body is empty; a JSON object was expected';

/** Only JSON bodies are accepted; anything else is a 415 before it reaches a handler. */
export function acceptOnlyJson(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    try {
      done(null, parseJsonBody(charsetOf(request), body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

function charsetOf(request: FastifyRequest): string | undefined {
  return CHARSET_PARAMETER.exec(request.headers['content-type'] ?? '')?.[1].replace(/^"(.*)"$/, '$1');
}

/**
 * The parsed body (undefined for an empty or blank one: no body), or a 400/415 Problem saying
 * what is wrong with it. Many clients send `Content-Type: application/json` with no body on
 * any POST or DELETE: that is no body, and a route that needs one says so (JsonBody).
 */
export function parseJsonBody(charset: string | undefined, body: Buffer): unknown {
  if (charset !== undefined && !UTF8_NAMES.has(charset.toLowerCase())) {
    throw new Problem(415, 'unsupported-media-type', `the request body must be UTF-8 JSON; charset "${charset}" is not supported (send charset=utf-8 or none)`);
  }
  const text = decodeUtf8(body);
  if (text.trim() === '') return undefined;
  // secure-json-parse answers undefined for text that is not JSON and null for a body that
  // would poison a prototype; a body that is literally `null` is refused later as not an object.
  const value = safeParse(text);
  if (value === undefined) throw invalidJson('the request body is not valid JSON');
  if (value === null && text.trim() !== 'null') {
    throw invalidJson('the request body holds a "__proto__" or "constructor.prototype" key; these keys are refused');
  }
  checkStructure(text);
  return value;
}

function decodeUtf8(body: Buffer): string {
  try {
    // fatal: invalid bytes are refused instead of silently becoming U+FFFD.
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw invalidJson('the request body is not valid UTF-8');
  }
}

/**
 * Refuses nesting deeper than MAX_JSON_DEPTH and an object with the same key twice (parsers
 * disagree on which one wins, so the body would mean different things to different readers).
 * One iterative pass over text already known to be valid JSON: libraries that report
 * duplicate keys parse recursively, so a deeply nested body would overflow their stack.
 */
function checkStructure(text: string): void {
  /** Per open container: the keys seen so far (objects) or null (arrays). */
  const open: Array<Set<string> | null> = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '{' || char === '[') {
      if (open.length === MAX_JSON_DEPTH) throw invalidJson(`the request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
      open.push(char === '{' ? new Set() : null);
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const keys = open[open.length - 1];
      if (keys && isFollowedByColon(text, i + 1)) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) throw invalidJson(`the request body has the key ${quote(key)} twice in one object; each key may appear once`);
        keys.add(key);
      }
    }
  }
}

function isFollowedByColon(text: string, from: number): boolean {
  let i = from;
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  return text[i] === ':';
}

/** A key as JSON text, cut short: it goes into a message, not back to the client whole. */
const quote = (key: string) => JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key);
