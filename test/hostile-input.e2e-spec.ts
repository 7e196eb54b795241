// Hostile input against the real API over real HTTP (bare TCP, so any byte can be sent):
// thousands of generated malformed and adversarial requests on every endpoint. Each one must
// get a 4xx application/problem+json with a useful detail, promptly, and change nothing
// (log head, stream versions, API keys, idempotency records, projection generations).
//
// HOSTILE_INPUT_RUNS sets the cases per input class (default 300); fast-check prints the seed
// of a failure, and HOSTILE_INPUT_SEED replays it.
import fc from 'fast-check';
import { MISSION_ID_PATTERN } from '../apps/api/src/validation/parse';
import { endOfDay, parseOccurredAt } from '@app/domain';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established } from './support/events';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';
import { RawRequest, RawResponse, rawRequest } from './support/raw-http';

const RUNS = Number(process.env.HOSTILE_INPUT_RUNS ?? 300);
const SEED = process.env.HOSTILE_INPUT_SEED ? Number(process.env.HOSTILE_INPUT_SEED) : undefined;
/** Expensive cases (megabyte bodies) run less often. */
const HUGE_RUNS = Math.max(10, Math.round(RUNS / 5));
/** A request must be answered within this, whatever it holds. */
const ANSWER_WITHIN_MS = 5_000;

const MISSION = 'mss-hostile';
const ESTABLISHED = established('Hostile mission');
const VALID_EVENTS = [
  { type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 10 } },
  { type: 'FarewellHeld', occurredAt: '2024-06-23', data: { country: 'KEN', personnel: 10, officiant: 'President' } },
  { type: 'SupportDeclared', occurredAt: '2024-02-01', data: { supporter: 'CAN', statement: 'We support it' } },
  { type: 'FundingPledged', occurredAt: '2024-02-01', data: { donor: 'USA', amount: '300000000', currency: 'USD' } },
  { type: 'PersonnelRequirementSet', occurredAt: '2024-02-01', data: { required: 2500 } },
];
const VALID_BODY = JSON.stringify({ events: [VALID_EVENTS[0]] });

/** What a generated request must get back. */
interface Expectation {
  statuses: number[];
  /** The detail must match. */
  detail?: RegExp;
  /** One of `errors[].path` must be this, or a path inside it. */
  path?: string;
  /** Answered by Fastify or Node before our code runs (still problem+json: see lifecycle/framework-errors.ts); counted apart. */
  framework?: boolean;
}

interface Case {
  request: RawRequest;
  expect: Expectation;
}

// ---------------------------------------------------------------------------------------------
// Building requests
// ---------------------------------------------------------------------------------------------

let operatorKey = '';
let viewerKey = '';
const auth = (key = ADMIN_KEY): [string, string] => ['Authorization', `Bearer ${key}`];
const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

const post = (path: string, body: string | Buffer, headers: Array<[string, string]> = [JSON_TYPE]): RawRequest => ({
  method: 'POST',
  path,
  headers: [auth(operatorKey), ...headers],
  body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
});
const appendTo = (mission: string, body: string | Buffer, headers?: Array<[string, string]>) => post(`/v1/missions/${mission}/events`, body, headers);
const append = (body: string | Buffer, headers?: Array<[string, string]>) => appendTo(MISSION, body, headers);
const get = (path: string, key = ADMIN_KEY): RawRequest => ({ method: 'GET', path, headers: [auth(key)] });
const adminPost = (path: string, body: string): RawRequest => ({ method: 'POST', path, headers: [auth(), JSON_TYPE], body: Buffer.from(body, 'utf8') });

let freshMissions = 0;
/** A mission id no test has used: a MissionEstablished there would create it. */
const freshMission = () => `mss-fresh-${++freshMissions}`;

/** Valid events before and after the bad one: the whole batch must be refused. */
const batchAround = <T>(bad: fc.Arbitrary<T>) =>
  fc.record({
    before: fc.array(fc.constantFrom(...VALID_EVENTS), { maxLength: 3 }),
    bad,
    after: fc.array(fc.constantFrom(...VALID_EVENTS), { maxLength: 3 }),
  });

/** Sets `value` at `path` (keys and indexes) in a deep copy of `object`. */
function withValueAt(object: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(object) ? [...object] : { ...(object as object) };
  const [head, ...rest] = path;
  if (rest.length === 0) {
    // defineProperty: a key such as "__proto__" must become an own key, not a prototype.
    Object.defineProperty(copy, head, { value, enumerable: true, writable: true, configurable: true });
  } else {
    copy[head] = withValueAt(copy[head], rest, value);
  }
  return copy;
}

const formatPath = (path: Array<string | number>) =>
  path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${key}`)).join('');

// ---------------------------------------------------------------------------------------------
// Generators of text
// ---------------------------------------------------------------------------------------------

const unusual = fc.constantFrom('\u200F', '\u200E', '\u202E', '\u2066', '\u200B', '\uFEFF', '\u0301', '😀', '👩🏽‍🚀', 'Ω', '\u2028', 'ﷺ', '\t');
/** Well-formed text with the odd corners of Unicode mixed in (never a lone surrogate, never NUL). */
const wellFormed = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), unusual), { maxLength: 5 })
  .map((parts) => parts.join('').replace(/\u0000/g, ''));
const nonAsciiMark = fc.constantFrom('\u200F', '\u200E', '\u202E', '\u2066', '\u200B', '\uFEFF', 'é', '😀');
/** Percent-encodes whole code points while the result stays within `max` characters. */
function encodeShort(text: string, max: number): string {
  let encoded = '';
  for (const point of text) {
    const next = encodeURIComponent(point);
    if (encoded.length + next.length > max) break;
    encoded += next;
  }
  return encoded;
}
/** Something PostgreSQL cannot store: NUL, a lone high or a lone low surrogate. */
const unstorable = fc.oneof(
  fc.constant('\u0000'),
  fc.integer({ min: 0xd800, max: 0xdbff }).map((unit) => String.fromCharCode(unit)),
  fc.integer({ min: 0xdc00, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
);
/** Text with at least one unstorable character somewhere in it (a second one is NUL: two lone surrogates side by side may be a pair). */
const unstorableText = fc.tuple(wellFormed, unstorable, wellFormed, fc.constantFrom('', '\u0000')).map((parts) => parts.join(''));

// ---------------------------------------------------------------------------------------------
// Input classes
// ---------------------------------------------------------------------------------------------

/** Free-text fields of the catalogue, with the rest of a valid event around them. */
const TEXT_FIELDS: Array<{ type: string; field: string; data: Record<string, unknown>; fresh?: boolean }> = [
  { type: 'MissionEstablished', field: 'name', data: { hostCountry: 'HTI' }, fresh: true },
  { type: 'MissionEstablished', field: 'mandate', data: { name: 'M', hostCountry: 'HTI' }, fresh: true },
  { type: 'FarewellHeld', field: 'officiant', data: { country: 'KEN', personnel: 1 } },
  { type: 'FarewellHeld', field: 'location', data: { country: 'KEN', personnel: 1 } },
  { type: 'ContingentDeparted', field: 'contingentId', data: { country: 'KEN', personnel: 1 } },
  { type: 'ContingentArrived', field: 'contingentId', data: { country: 'KEN', personnel: 1 } },
  { type: 'PersonnelWithdrawn', field: 'reason', data: { country: 'KEN', personnel: 1 } },
  { type: 'FundingPledged', field: 'donor', data: { amount: '1', currency: 'USD' } },
  { type: 'FundingDisbursed', field: 'donor', data: { amount: '1', currency: 'USD' } },
  { type: 'SupportDeclared', field: 'supporter', data: {} },
  { type: 'SupportDeclared', field: 'statement', data: { supporter: 'CAN' } },
];

const unicodeCases: fc.Arbitrary<Case> = fc.oneof(
  // A free-text field of an event, inside a batch of valid events.
  fc.record({ target: fc.constantFrom(...TEXT_FIELDS), text: unstorableText, batch: batchAround(fc.constant(null)) }).map(({ target, text, batch }) => {
    const event = { type: target.type, occurredAt: '2024-06-24', data: { ...target.data, [target.field]: text } };
    const events = target.fresh ? [event] : [...batch.before, event, ...batch.after];
    const index = target.fresh ? 0 : batch.before.length;
    return {
      request: appendTo(target.fresh ? freshMission() : MISSION, JSON.stringify({ events })),
      expect: { statuses: [400], path: `events[${index}].data.${target.field}`, detail: /NUL|lone surrogate/ },
    };
  }),
  // A metadata key or value, at any depth.
  fc
    .record({ keys: fc.array(fc.constantFrom('a', 'trace', 'b-c', '0'), { minLength: 1, maxLength: 6 }), text: unstorableText, inKey: fc.boolean() })
    .map(({ keys, text, inKey }) => {
      const path = inKey ? [...keys.slice(0, -1), text] : keys;
      const metadata = withValueAt({}, path, inKey ? 'value' : text);
      const event = { ...VALID_EVENTS[2], metadata };
      return {
        request: append(JSON.stringify({ events: [event] })),
        expect: { statuses: [400], path: formatPath(['events', 0, 'metadata', ...path]), detail: /NUL|lone surrogate/ },
      };
    }),
  // An API key name.
  unstorableText.map((name) => ({
    request: adminPost('/v1/api-keys', JSON.stringify({ name: `k${name}`, role: 'viewer' })),
    expect: { statuses: [400], path: 'name', detail: /NUL|lone surrogate/ },
  })),
  // An event type.
  fc.tuple(wellFormed, unstorableText).map(([prefix, text]) => ({
    request: append(JSON.stringify({ events: [{ ...VALID_EVENTS[0], type: `${prefix}${text}` }] })),
    expect: { statuses: [400], path: 'events[0].type', detail: /unknown event type/ },
  })),
  // A mission id in the path, percent-encoded (a lone surrogate cannot be: it goes as "é").
  fc.tuple(unstorable, wellFormed).map(([bad, text]) => ({
    request: { ...append(VALID_BODY), path: `/v1/missions/mss${encodeShort(`${bad}${text}`.replace(/[\uD800-\uDFFF]/g, '\u00e9'), 90)}/events` },
    expect: { statuses: [400], path: '', detail: /mission id/ },
  })),
  // Right-to-left marks and other non-ASCII text in an Idempotency-Key (visible ASCII only), sent as UTF-8 bytes.
  fc.tuple(wellFormed, nonAsciiMark).map(([text, mark]) => ({
    request: append(VALID_BODY, [JSON_TYPE, ['Idempotency-Key', Buffer.from(`k${text}${mark}`.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1')]]),
    expect: { statuses: [400], path: '', detail: /Idempotency-Key/ },
  })),
);

/** Where a value of the wrong JSON type can go, and which values would be right there. */
const TYPED_PLACES: Array<{ path: Array<string | number>; accepts: (value: unknown) => boolean; base?: unknown }> = [
  { path: ['expectedVersion'], accepts: (v) => Number.isSafeInteger(v) && (v as number) >= 0 },
  { path: ['events'], accepts: (v) => Array.isArray(v) && v.length > 0 && v.every((item) => item !== null && typeof item === 'object') },
  { path: ['events', 0], accepts: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) },
  { path: ['events', 0, 'type'], accepts: (v) => typeof v === 'string' && v === 'ContingentDeparted' },
  { path: ['events', 0, 'occurredAt'], accepts: (v) => typeof v === 'string' && parseOccurredAt(v) !== null },
  // An object is the right type; what is wrong inside it is reported at its own paths.
  { path: ['events', 0, 'data'], accepts: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) },
  { path: ['events', 0, 'metadata'], accepts: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) },
  { path: ['events', 0, 'data', 'personnel'], accepts: (v) => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= 10_000_000 },
  { path: ['events', 0, 'data', 'country'], accepts: (v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v) },
  { path: ['events', 0, 'data', 'contingentId'], accepts: (v) => typeof v === 'string' && v.trim() !== '' },
  { path: ['events', 0, 'data', 'amount'], accepts: () => false, base: { events: [VALID_EVENTS[3]] } },
  { path: ['events', 0, 'data', 'currency'], accepts: (v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v), base: { events: [VALID_EVENTS[3]] } },
  { path: ['events', 0, 'data', 'required'], accepts: (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 10_000_000, base: { events: [VALID_EVENTS[4]] } },
];
const API_KEY_PLACES: Array<{ path: string; accepts: (value: unknown) => boolean }> = [
  { path: 'name', accepts: (v) => typeof v === 'string' && v.trim() !== '' },
  { path: 'role', accepts: (v) => v === 'viewer' || v === 'operator' || v === 'admin' },
];

/**
 * JSON values with no prototype-poisoning key anywhere: fast-check generates `__proto__` keys
 * on purpose, and a body holding one is refused as a whole (invalid-json, its own class below)
 * before the field the case is about is looked at.
 */
const plainJson = (constraints: Parameters<typeof fc.jsonValue>[0]) =>
  fc.jsonValue(constraints).filter((value) => !/"(__proto__|prototype)"\s*:/.test(JSON.stringify(value)));

const wrongTypeCases: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ place: fc.constantFrom(...TYPED_PLACES), value: plainJson({ maxDepth: 3 }) })
    .filter(({ place, value }) => !place.accepts(value))
    .map(({ place, value }) => {
      const body = withValueAt(place.base ?? JSON.parse(VALID_BODY), place.path, value);
      return { request: append(JSON.stringify(body)), expect: { statuses: [400], path: formatPath(place.path) } };
    }),
  // The body itself is not an object.
  plainJson({ maxDepth: 2 })
    .filter((value) => value === null || typeof value !== 'object' || Array.isArray(value))
    .map((value) => ({ request: append(JSON.stringify(value)), expect: { statuses: [400], detail: /JSON object|not valid JSON/ } })),
  // A field the catalogue does not know.
  fc.record({ key: fc.string({ minLength: 1, maxLength: 20 }), value: plainJson({ maxDepth: 2 }) })
    .filter(({ key }) => !['country', 'personnel', 'contingentId', '__proto__', 'constructor'].includes(key))
    .map(({ key, value }) => ({
      request: append(JSON.stringify(withValueAt(JSON.parse(VALID_BODY), ['events', 0, 'data', key], value))),
      expect: { statuses: [400], path: formatPath(['events', 0, 'data', key]), detail: /is not a known field/ },
    })),
  fc.record({ place: fc.constantFrom(...API_KEY_PLACES), value: plainJson({ maxDepth: 2 }) })
    .filter(({ place, value }) => !place.accepts(value))
    .map(({ place, value }) => ({
      request: adminPost('/v1/api-keys', JSON.stringify({ name: 'generated', role: 'viewer', [place.path]: value })),
      expect: { statuses: [400], path: place.path },
    })),
);

/** `depth` levels of arrays or objects around a number. */
const nestedText = (depth: number, objects: boolean) => (objects ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth));
const deepNestingCases: fc.Arbitrary<Case> = fc
  .record({
    // 150,000 levels of objects is about 900 KB: just under the body limit.
    depth: fc.oneof(
      { arbitrary: fc.integer({ min: 65, max: 200 }), weight: 4 },
      { arbitrary: fc.integer({ min: 201, max: 20_000 }), weight: 4 },
      { arbitrary: fc.constant(150_000), weight: 1 },
    ),
    objects: fc.boolean(),
    place: fc.constantFrom('metadata', 'data', 'body', 'events', 'api-key'),
  })
  .map(({ depth, objects, place }) => {
    const nest = nestedText(depth, objects);
    const body = {
      metadata: `{"events":[{"type":"SupportDeclared","occurredAt":"2024-01-01","data":{"supporter":"CAN"},"metadata":{"x":${nest}}}]}`,
      data: `{"events":[{"type":"SupportDeclared","occurredAt":"2024-01-01","data":{"supporter":${nest}}}]}`,
      body: nest,
      events: `{"events":${nest}}`,
      'api-key': `{"name":${nest},"role":"viewer"}`,
    }[place];
    const request = place === 'api-key' ? adminPost('/v1/api-keys', body) : append(body);
    return { request, expect: { statuses: [400], detail: /nested more than 64 levels/ } };
  });

const hugeCases: fc.Arbitrary<Case> = fc.oneof(
  fc.integer({ min: 1001, max: 20_000 }).map((count) => ({
    request: append(JSON.stringify({ events: Array.from({ length: count }, () => VALID_EVENTS[0]) })),
    expect: { statuses: [400, 413], detail: /at most 1000 events|1 MiB/ },
  })),
  fc.record({ length: fc.integer({ min: 201, max: 500_000 }), target: fc.constantFrom(TEXT_FIELDS[0], TEXT_FIELDS[2]) }).map(({ length, target }) => ({
    request: appendTo(target.fresh ? freshMission() : MISSION, JSON.stringify({ events: [{ type: target.type, occurredAt: '2024-01-01', data: { ...target.data, [target.field]: 'x'.repeat(length) } }] })),
    expect: { statuses: [400], path: `events[0].data.${target.field}`, detail: /at most 200 characters/ },
  })),
  fc.integer({ min: 4_100, max: 900_000 }).map((length) => ({
    request: append(JSON.stringify({ events: [{ ...VALID_EVENTS[2], metadata: { blob: 'x'.repeat(length) } }] })),
    expect: { statuses: [400], path: 'events[0].metadata', detail: /4096 bytes/ },
  })),
  fc.integer({ min: 2_000, max: 100_000 }).map((count) => ({
    request: append(JSON.stringify({ events: [{ ...VALID_EVENTS[2], metadata: { list: Array.from({ length: count }, (_, i) => i) } }] })),
    expect: { statuses: [400], path: 'events[0].metadata', detail: /4096 bytes/ },
  })),
  fc.integer({ min: 1024 * 1024 + 1, max: 3 * 1024 * 1024 }).map((length) => ({
    request: append(JSON.stringify({ events: [{ ...VALID_EVENTS[2], metadata: { blob: 'x'.repeat(length) } }] })),
    expect: { statuses: [413], detail: /1 MiB/ },
  })),
  fc.integer({ min: 101, max: 200_000 }).map((length) => ({
    request: adminPost('/v1/api-keys', JSON.stringify({ name: 'n'.repeat(length), role: 'viewer' })),
    expect: { statuses: [400], path: 'name', detail: /at most 100 characters/ },
  })),
);

/** Variants of a key that secure-json-parse must still see as `__proto__` / `constructor`. */
const protoKey = fc.constantFrom('__proto__', '\\u005f_proto__', '__pr\\u006fto__', '\\u005F\\u005Fproto\\u005F\\u005F');
const constructorKey = fc.constantFrom('constructor', 'c\\u006fnstructor', '\\u0063onstructor');
const poisonMember = fc.oneof(
  fc.tuple(protoKey, fc.constantFrom('{"isAdmin":true}', '{}', 'null', '1', '[]')).map(([key, value]) => `"${key}":${value}`),
  fc.tuple(constructorKey, fc.constantFrom('{"prototype":{"isAdmin":true}}', '{"prototype":null}', '{"prototype":{}}')).map(([key, value]) => `"${key}":${value}`),
);
const protoCases: fc.Arbitrary<Case> = fc
  .record({ member: poisonMember, place: fc.constantFrom('root', 'event', 'data', 'metadata', 'deep-metadata', 'api-key') })
  .map(({ member, place }) => {
    const event = (inner: { event?: string; data?: string; metadata?: string }) =>
      `{${inner.event ?? ''}"type":"SupportDeclared","occurredAt":"2024-01-01","data":{${inner.data ?? ''}"supporter":"CAN"},"metadata":{${inner.metadata ?? ''}"k":1}}`;
    const body = {
      root: `{${member},"events":[${event({})}]}`,
      event: `{"events":[${event({ event: `${member},` })}]}`,
      data: `{"events":[${event({ data: `${member},` })}]}`,
      metadata: `{"events":[${event({ metadata: `${member},` })}]}`,
      'deep-metadata': `{"events":[${event({ metadata: `"a":[{"b":{${member}}}],` })}]}`,
      'api-key': `{${member},"name":"poisoned","role":"admin"}`,
    }[place];
    const request = place === 'api-key' ? adminPost('/v1/api-keys', body) : append(body);
    return { request, expect: { statuses: [400], detail: /"__proto__" or "constructor\.prototype"/ } };
  });

const duplicateKeyCases: fc.Arbitrary<Case> = fc
  .record({
    place: fc.constantFrom('root', 'event', 'data', 'metadata', 'api-key'),
    spelling: fc.constantFrom('plain', 'escaped'),
    spacing: fc.constantFrom('', ' ', '\n\t'),
  })
  .map(({ place, spelling, spacing }) => {
    // The second occurrence is the one a last-wins parser would keep, and it is valid too.
    const key = (name: string) => (spelling === 'plain' ? `"${name}"` : `"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${name.slice(1)}"`);
    const s = spacing;
    const body = {
      root: `{"events":[{"type":"Nope"}],${s}${key('events')}${s}:${s}[${JSON.stringify(VALID_EVENTS[0])}]}`,
      event: `{"events":[{"type":"ContingentDeparted","occurredAt":"2024-01-01",${key('occurredAt')}:"2024-06-24","data":{"country":"KEN","personnel":1}}]}`,
      data: `{"events":[{"type":"ContingentDeparted","occurredAt":"2024-06-24","data":{"country":"KEN","personnel":1,${s}${key('personnel')}${s}:${s}5}}]}`,
      metadata: `{"events":[{"type":"SupportDeclared","occurredAt":"2024-01-01","data":{"supporter":"CAN"},"metadata":{"trace":"a",${key('trace')}:"b"}}]}`,
      'api-key': `{"name":"first","role":"viewer",${key('role')}:"admin"}`,
    }[place];
    const request = place === 'api-key' ? adminPost('/v1/api-keys', body) : append(body);
    return { request, expect: { statuses: [400], detail: /twice in one object/ } };
  });

/** Byte sequences that are not UTF-8 (RFC 3629): stray continuation bytes, over-long forms, surrogates, beyond U+10FFFF, truncations. */
const INVALID_UTF8 = [[0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe], [0xff], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xc3]];
const isUtf8 = (bytes: Uint8Array) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};
const invalidUtf8Bytes = fc.oneof(
  fc.constantFrom(...INVALID_UTF8).map((bytes) => Buffer.from(bytes)),
  fc.uint8Array({ minLength: 1, maxLength: 8, min: 0x80, max: 0xff }).filter((bytes) => !isUtf8(bytes)).map((bytes) => Buffer.from(bytes)),
);
const invalidUtf8Cases: fc.Arbitrary<Case> = fc
  .record({ bad: invalidUtf8Bytes, field: fc.constantFrom('officiant', 'metadata', 'api-key'), before: wellFormed })
  .filter(({ before, bad }) => isUtf8(Buffer.from(before, 'utf8')) && !isUtf8(Buffer.concat([Buffer.from(before, 'utf8'), bad])))
  .map(({ bad, field, before }) => {
    // A body that would be appended if the bytes were decoded leniently (as U+FFFD).
    const text = Buffer.concat([Buffer.from(before.replace(/["\\\u0000-\u001f]/g, ''), 'utf8'), bad]);
    const [head, tail] = {
      officiant: ['{"events":[{"type":"FarewellHeld","occurredAt":"2024-06-23","data":{"country":"KEN","personnel":1,"officiant":"x', '"}}]}'],
      metadata: ['{"events":[{"type":"SupportDeclared","occurredAt":"2024-01-01","data":{"supporter":"CAN"},"metadata":{"note":"', '"}}]}'],
      'api-key': ['{"role":"viewer","name":"k', '"}'],
    }[field];
    const body = Buffer.concat([Buffer.from(head, 'utf8'), text, Buffer.from(tail, 'utf8')]);
    const request = field === 'api-key' ? { ...adminPost('/v1/api-keys', ''), body } : append(body);
    return { request, expect: { statuses: [400], detail: /not valid UTF-8/ } };
  });

/** JSON number literals; the ones accepted where they go are filtered out. */
const numberLiteral = fc.oneof(
  fc.constantFrom('1e309', '-1e309', '1e400', '-0', '-0.0', '0', '18446744073709551616', '9007199254740993', '1.5', '1e-400', '-1', '10000001', '0.0000001', '4.9e-324', '1.7976931348623157e308', '123456789012345678901234567890'),
  fc.double({ noNaN: true }).map((value) => (Object.is(value, -0) ? '-0' : JSON.stringify(value) ?? '0')),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: -400, max: 400 })).map(([m, e]) => `${m}e${e}`),
);
const NUMBER_PLACES: Array<{ place: string; accepts: (value: number, literal: string) => boolean }> = [
  { place: 'personnel', accepts: (v) => Number.isSafeInteger(v) && v >= 1 && v <= 10_000_000 },
  { place: 'expectedVersion', accepts: (v) => Number.isSafeInteger(v) && v >= 0 },
  { place: 'required', accepts: (v) => Number.isSafeInteger(v) && v >= 0 && v <= 10_000_000 },
  { place: 'amount', accepts: () => false },
  // A query value is text: "1e2" is not a number there.
  { place: 'limit', accepts: (v, literal) => /^\d{1,15}$/.test(literal) && v >= 1 && v <= 1000 },
];
const numberCases: fc.Arbitrary<Case> = fc
  .record({ literal: numberLiteral, target: fc.constantFrom(...NUMBER_PLACES) })
  .filter(({ literal, target }) => !target.accepts(JSON.parse(literal), literal))
  .map(({ literal, target }): Case => {
    switch (target.place) {
      case 'personnel':
        return { request: append(`{"events":[{"type":"ContingentDeparted","occurredAt":"2024-06-24","data":{"country":"KEN","personnel":${literal}}}]}`), expect: { statuses: [400], path: 'events[0].data.personnel' } };
      case 'expectedVersion':
        return { request: append(`{"expectedVersion":${literal},"events":[${JSON.stringify(VALID_EVENTS[0])}]}`), expect: { statuses: [400], path: 'expectedVersion' } };
      case 'required':
        return { request: append(`{"events":[{"type":"PersonnelRequirementSet","occurredAt":"2024-06-24","data":{"required":${literal}}}]}`), expect: { statuses: [400], path: 'events[0].data.required' } };
      case 'amount':
        return { request: append(`{"events":[{"type":"FundingPledged","occurredAt":"2024-06-24","data":{"donor":"USA","currency":"USD","amount":${literal}}}]}`), expect: { statuses: [400], path: 'events[0].data.amount' } };
      default:
        return { request: get(`/v1/events?limit=${encodeURIComponent(literal)}`), expect: { statuses: [400], path: 'limit' } };
    }
  });

const AMOUNT = /^\d{1,20}(\.\d{1,4})?$/;
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const amountText = fc.oneof(
  fc.tuple(digits(1, 6), fc.constantFrom('e', 'E', 'e+', 'e-'), digits(1, 3)).map((parts) => parts.join('')),
  fc.tuple(digits(1, 10), digits(5, 12)).map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.tuple(fc.constantFrom('-', '+', ' ', '\u00a0', '$'), digits(1, 8)).map((parts) => parts.join('')),
  fc.tuple(digits(1, 8), fc.constantFrom(' ', '.', ',000', '_000', 'USD', '\u0000')).map((parts) => parts.join('')),
  digits(21, 40),
  fc.constantFrom('', '.', '.5', '0', '0.0', '0.0000', '00', 'NaN', 'Infinity', '-Infinity', '0x1F', '1e3', '١٢٣', '１２３', '3.14159', '100000000000000000000', '99999999999999999999.99999'),
  wellFormed,
);
const amountCases: fc.Arbitrary<Case> = fc
  .record({ amount: amountText, type: fc.constantFrom('FundingPledged', 'FundingCommitted', 'FundingDisbursed', 'FundingPledgeRevised'), batch: batchAround(fc.constant(null)) })
  // Zero is a valid revision ("the pledge is withdrawn"); elsewhere it is refused.
  .filter(({ amount, type }) => !AMOUNT.test(amount) || (type !== 'FundingPledgeRevised' && /^0+(\.0+)?$/.test(amount)))
  .map(({ amount, type, batch }) => {
    const event = { type, occurredAt: '2024-03-01', data: { donor: 'USA', amount, currency: 'USD' } };
    return {
      request: append(JSON.stringify({ events: [...batch.before, event, ...batch.after] })),
      expect: { statuses: [400], path: `events[${batch.before.length}].data.amount` },
    };
  });

const JSONISH = /^\s*application\/([^;]*\+)?json/i;
const contentTypeCases: fc.Arbitrary<Case> = fc
  .oneof(
    fc.constantFrom(
      'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx',
      'application/json-patch', 'json', 'application/', '/json', '*/*', 'application/*', 'application/octet-stream', 'text/plain; charset=utf-8',
      'application/x-ndjson', 'application/jsonl', 'application/ json', 'text/html', 'image/png', 'application/javascript',
    ),
    fc.string({ maxLength: 40 }).filter((type) => !JSONISH.test(type)),
    fc.constantFrom('latin1', 'iso-8859-1', 'utf-16', 'UTF-16LE', 'ascii', 'us-ascii', 'windows-1252', 'utf-32', '"utf-16"', 'x', '').map((charset) => `application/json; charset=${charset}`),
    fc.constantFrom('utf-7', 'shift_jis').map((charset) => `application/problem+json;charset=${charset}`),
    fc.constant(null),
  )
  .map((type) => ({
    request: append(VALID_BODY, type === null ? [] : [['Content-Type', type]]),
    expect: { statuses: [415], detail: /JSON|UTF-8/ },
  }));

/** Whether Fastify itself refuses this path segment: bad percent-encoding, or (decoded) longer than its 100-character parameter limit. */
function refusedByRouter(segment: string): boolean {
  try {
    return decodeURIComponent(segment).length > 100;
  } catch {
    return true;
  }
}
const ROUTES = [
  { method: 'POST', template: (id: string) => `/v1/missions/${id}/events`, body: VALID_BODY, statuses: [400, 404], key: () => operatorKey },
  { method: 'GET', template: (id: string) => `/v1/missions/${id}/events`, statuses: [400, 404] },
  { method: 'GET', template: (id: string) => `/v1/missions/${id}/personnel`, statuses: [400, 404] },
  { method: 'GET', template: (id: string) => `/v1/missions/${id}/funding?asOf=2024-07-01`, statuses: [400, 404] },
  { method: 'GET', template: (id: string) => `/v1/missions/${id}/timeline`, statuses: [400, 404] },
  { method: 'DELETE', template: (id: string) => `/v1/api-keys/${id}`, statuses: [404] },
  { method: 'POST', template: (id: string) => `/v1/projections/${id}/rebuild`, body: '{}', statuses: [404] },
];
const hostileSegment = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).filter((id) => !MISSION_ID_PATTERN.test(id) && !/^(personnel|funding|timeline|missions)$/.test(id)).map(encodeURIComponent),
  fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2F', 'MSS-HAITI', 'mss_haiti', '-mss', 'a', 'mss%00', 'mss%0d%0aX-Injected:%201', '%zz', '%', '%E2%80', '%C0%AF', '%ED%A0%80', "mss'%20OR%201=1--", 'null', 'undefined', 'constructor', '__proto__', '%5f%5fproto%5f%5f'),
  fc.integer({ min: 64, max: 2000 }).map((length) => 'm'.repeat(length)),
  fc.string({ unit: fc.constantFrom(...'abc-%zZ09'), minLength: 1, maxLength: 20 }).filter((id) => !MISSION_ID_PATTERN.test(id)),
);
const pathCases: fc.Arbitrary<Case> = fc.record({ route: fc.constantFrom(...ROUTES), segment: hostileSegment }).map(({ route, segment }) => {
  const framework = refusedByRouter(segment);
  const request: RawRequest = route.body
    ? { method: route.method, path: route.template(segment), headers: [auth(route.key?.()), JSON_TYPE], body: Buffer.from(route.body) }
    : { method: route.method, path: route.template(segment), headers: [auth()] };
  return { request, expect: { statuses: framework ? [400, 414] : route.statuses, framework } };
});

/** Query values that are never valid for a non-negative integer parameter. */
const badInteger = fc.oneof(
  fc.integer({ min: -1_000_000, max: -1 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Number.isInteger(v)).map(String),
  fc.constantFrom('', ' ', '1e3', '0x10', '+1', ' 1', '1 ', '1.0', '-0', 'NaN', 'Infinity', 'abc', '١', '１', '1%00', '%00', '%zz', '1,2', '9999999999999999', '12345678901234567890', "1'", '1;DROP TABLE events'),
  digits(16, 40),
);
const QUERY_PLACES: Array<{ path: string; param: string; tooBig?: string }> = [
  { path: `/v1/missions/${MISSION}/events`, param: 'fromVersion', tooBig: '2147483648' },
  { path: `/v1/missions/${MISSION}/events`, param: 'limit', tooBig: '1001' },
  { path: '/v1/events', param: 'after' },
  { path: '/v1/events', param: 'limit', tooBig: '1001' },
  { path: `/v1/missions/${MISSION}/timeline`, param: 'limit', tooBig: '1001' },
  { path: `/v1/missions/${MISSION}/timeline`, param: 'before' },
  { path: `/v1/missions/${MISSION}/timeline`, param: 'minPosition' },
  { path: `/v1/missions/${MISSION}/personnel`, param: 'minPosition' },
  { path: `/v1/missions/${MISSION}/funding`, param: 'minPosition' },
  { path: '/v1/missions', param: 'minPosition' },
];
const badAsOf = fc.oneof(
  fc.constantFrom('9999-12-31T23:59:59-14:00', '1900-01-01T00:00:00+14:00', '10000-01-01', '+010000-01-01T00:00:00Z', '1899-12-31', '0024-06-24', '2024-02-30', '2024-13-01', 'now', 'yesterday', '', '2024-07-01T25:00', '2024-07-01T12:00:00+99:99', '1719792000000', '2024-07-01%00', '2024-07-01T00:00:00.000Z%20OR%201'),
  fc.string({ maxLength: 30 }).filter((text) => endOfDay(text) === null && parseOccurredAt(text) === null).map(encodeURIComponent),
);
const queryCases: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ place: fc.constantFrom(...QUERY_PLACES), value: badInteger, repeat: fc.boolean() }).map(({ place, value, repeat }) => {
    const encoded = /%/.test(value) ? value : encodeURIComponent(value);
    // A repeated parameter arrives as an array: refused whatever its values.
    const query = repeat ? `${place.param}=1&${place.param}=${encoded}` : `${place.param}=${encoded}`;
    return { request: get(`${place.path}?${query}`), expect: { statuses: [400], path: place.param } };
  }),
  fc.constantFrom(...QUERY_PLACES.filter((place) => place.tooBig)).map((place) => ({
    request: get(`${place.path}?${place.param}=${place.tooBig}`),
    expect: { statuses: [400], path: place.param, detail: /at most/ },
  })),
  fc.record({ model: fc.constantFrom('personnel', 'funding'), asOf: badAsOf }).map(({ model, asOf }) => ({
    request: get(`/v1/missions/${MISSION}/${model}?asOf=${asOf}`),
    expect: { statuses: [400], path: 'asOf' },
  })),
);

/** Bytes Node's HTTP parser lets through in a header value: tab, visible ASCII, 0x80-0xff. */
const headerText = (minLength: number, maxLength: number) =>
  fc.array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), { minLength, maxLength }).map((codes) => String.fromCharCode(...codes));
const authorizationValue = fc.oneof(
  fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer a b', 'Bearer\tx\ty', 'Digest username="x"', 'Bearer "quoted"'),
  headerText(1, 300).map((key) => `Bearer ${key}`),
  // The bootstrap key's length with a non-ASCII byte in it: once a 500 (timingSafeEqual on unequal byte lengths).
  fc.record({ at: fc.nat({ max: ADMIN_KEY.length - 1 }), byte: fc.integer({ min: 0x80, max: 0xff }) }).map(({ at, byte }) => `Bearer ${ADMIN_KEY.slice(0, at)}${String.fromCharCode(byte)}${ADMIN_KEY.slice(at + 1)}`),
  fc.nat({ max: ADMIN_KEY.length - 1 }).map((at) => `Bearer ${ADMIN_KEY.slice(0, at)}${ADMIN_KEY.slice(at + 1)}`),
  fc.constantFrom(' extra', 'x', '=').map((tail) => `Bearer ${ADMIN_KEY}${tail}`),
  headerText(1, 40),
  fc.integer({ min: 1000, max: 12_000 }).map((length) => `Bearer ${'k'.repeat(length)}`),
);
const AUTH_ROUTES: Array<Omit<RawRequest, 'headers'>> = [
  { method: 'POST', path: `/v1/missions/${MISSION}/events`, body: Buffer.from(VALID_BODY) },
  { method: 'GET', path: `/v1/missions/${MISSION}/events` },
  { method: 'GET', path: '/v1/events' },
  { method: 'GET', path: '/v1/missions' },
  { method: 'GET', path: `/v1/missions/${MISSION}/personnel` },
  { method: 'POST', path: '/v1/api-keys', body: Buffer.from('{"name":"intruder","role":"admin"}') },
  { method: 'GET', path: '/v1/projections' },
  { method: 'POST', path: '/v1/projections/personnel/rebuild', body: Buffer.from('{}') },
];
const authCases: fc.Arbitrary<Case> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ route: fc.constantFrom(...AUTH_ROUTES), value: fc.option(authorizationValue, { nil: null }), twice: fc.boolean() }).map(({ route, value, twice }) => {
    const headers: Array<[string, string]> = route.body ? [JSON_TYPE] : [];
    if (value !== null) headers.push(['Authorization', value]);
    // Node keeps the first of two Authorization headers: the bad one goes first.
    if (value !== null && twice) headers.push(auth());
    return { request: { ...route, headers }, expect: { statuses: [401], detail: /API key|Authorization/ } };
  }) },
  // A real key with too small a role: 403.
  { weight: 1, arbitrary: fc.constantFrom(...AUTH_ROUTES.filter((route) => route.method === 'POST' || route.path.includes('projections'))).map((route) => ({
    request: { ...route, headers: [JSON_TYPE, auth(viewerKey)] },
    expect: { statuses: [403], detail: /role/ },
  })) },
);

const apiKeyCases: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ name: fc.oneof(fc.constantFrom('', ' ', '\t\n', '\u00a0', '\u3000'), fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u2003'), maxLength: 50 })), role: fc.constantFrom('viewer', 'admin') }).map((body) => ({
    request: adminPost('/v1/api-keys', JSON.stringify(body)),
    expect: { statuses: [400], path: 'name', detail: /must not be empty/ },
  })),
  fc.string({ maxLength: 30 }).filter((role) => !['viewer', 'operator', 'admin'].includes(role)).map((role) => ({
    request: adminPost('/v1/api-keys', JSON.stringify({ name: 'generated', role })),
    expect: { statuses: [400], path: 'role' },
  })),
  fc.record({ key: fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !['name', 'role', '__proto__', 'constructor'].includes(key)), value: plainJson({ maxDepth: 1 }) }).map(({ key, value }) => ({
    request: adminPost('/v1/api-keys', JSON.stringify({ name: 'generated', role: 'viewer', [key]: value })),
    expect: { statuses: [400], path: key },
  })),
  fc.constantFrom('{}', '{"name":"x"}', '{"role":"viewer"}', '[]', '"x"', 'null').map((body) => ({
    request: adminPost('/v1/api-keys', body),
    expect: { statuses: [400] },
  })),
  fc.uuid().map((id) => ({ request: { method: 'DELETE', path: `/v1/api-keys/${id}`, headers: [auth()] }, expect: { statuses: [404], detail: /no API key/ } })),
);

const projectionCases: fc.Arbitrary<Case> = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 })
    .filter((name) => !['personnel', 'funding', 'timeline', 'missions'].includes(name))
    .map((name) => encodeURIComponent(name))
    .filter((segment) => !refusedByRouter(segment))
    .map((segment) => ({ request: { method: 'POST', path: `/v1/projections/${segment}/rebuild`, headers: [auth()] }, expect: { statuses: [404], detail: /no projection|no such resource/ } })),
  fc.constantFrom('personnel', 'funding', 'timeline', 'missions').map((name) => ({
    request: { method: 'POST', path: `/v1/projections/${name}/rebuild`, headers: [auth(operatorKey)] },
    expect: { statuses: [403], detail: /admin role/ },
  })),
  fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET').map((method) => ({
    request: { method, path: '/v1/projections/personnel/rebuild', headers: [auth()] },
    expect: { statuses: [404] },
  })),
);

const methodCases: fc.Arbitrary<Case> = fc
  .record({ method: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS'), path: fc.constantFrom(`/v1/missions/${MISSION}/events`, '/v1/events', '/v1/missions', `/v1/missions/${MISSION}`, '/v1/api-keys', '/v1/projections', '/v1', '/v2/events', '/v1/events/', '//v1/events') })
  .map(({ method, path }) => ({ request: { method, path, headers: [auth(), JSON_TYPE], body: Buffer.from(VALID_BODY) }, expect: { statuses: [404] } }));

const CLASSES: Array<{ name: string; cases: fc.Arbitrary<Case>; runs: number }> = [
  { name: 'wrong JSON types and unknown fields', cases: wrongTypeCases, runs: RUNS },
  { name: 'deep nesting (65 to 150,000 levels)', cases: deepNestingCases, runs: RUNS },
  { name: 'huge arrays, strings and bodies', cases: hugeCases, runs: HUGE_RUNS },
  { name: 'NUL, lone surrogates, RTL marks and other Unicode', cases: unicodeCases, runs: RUNS },
  { name: '__proto__ / constructor.prototype keys', cases: protoCases, runs: RUNS },
  { name: 'duplicate keys', cases: duplicateKeyCases, runs: Math.min(RUNS, 60) },
  { name: 'invalid UTF-8 bytes', cases: invalidUtf8Cases, runs: RUNS },
  { name: 'numbers (1e309, -0, 2^64, fractions...)', cases: numberCases, runs: RUNS },
  { name: 'amounts (exponents, 5 decimals, signs...)', cases: amountCases, runs: RUNS },
  { name: 'bad content types and charsets', cases: contentTypeCases, runs: RUNS },
  { name: 'hostile path values, every endpoint', cases: pathCases, runs: RUNS },
  { name: 'hostile query values', cases: queryCases, runs: RUNS },
  { name: 'odd Authorization headers and roles', cases: authCases, runs: RUNS },
  { name: 'api-keys bodies and ids', cases: apiKeyCases, runs: RUNS },
  { name: 'projection names and roles', cases: projectionCases, runs: Math.min(RUNS, 100) },
  { name: 'unknown methods and routes', cases: methodCases, runs: Math.min(RUNS, 60) },
];

// ---------------------------------------------------------------------------------------------
// Checking answers
// ---------------------------------------------------------------------------------------------

const STACK_TRACE = /\n\s+at |\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/work\//;
const SQL_TEXT = /\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|pg_advisory|ON CONFLICT|duplicate key value|violates|relation "|syntax error at|idempotency_keys|streams_pkey)\b/;

interface Tally {
  cases: number;
  statuses: Map<number, number>;
  framework: number;
  slowestMs: number;
}

function describeRequest(request: RawRequest): string {
  const body = request.body ? ` body ${request.body.length} bytes: ${JSON.stringify(request.body.subarray(0, 300).toString('latin1'))}` : '';
  return `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers).slice(0, 500)}${body}`;
}

/** fast-check prints a counterexample with this: a megabyte body as a byte list helps nobody. */
const printedShort = (kase: Case): Case => Object.assign(kase, { [fc.toStringMethod]: () => describeRequest(kase.request) });

function checkAnswer(kase: Case, response: RawResponse): void {
  const { expect: expected } = kase;
  const where = describeRequest(kase.request);
  const text = response.body.toString('utf8');
  if (!expected.statuses.includes(response.status)) {
    throw new Error(`expected ${expected.statuses.join('/')} but got ${response.status} ${text.slice(0, 500)}\n  for ${where}`);
  }
  if (response.elapsedMs > ANSWER_WITHIN_MS) throw new Error(`answered in ${response.elapsedMs} ms\n  for ${where}`);
  if (!/^application\/problem\+json\b/.test(response.headers['content-type'] ?? '')) {
    throw new Error(`not application/problem+json (${response.headers['content-type']}): ${text.slice(0, 300)}\n  for ${where}`);
  }
  const body = JSON.parse(text);
  const problems: string[] = [];
  if (body.status !== response.status) problems.push('status differs from the HTTP status');
  if (typeof body.type !== 'string' || !body.type) problems.push('no type');
  if (typeof body.title !== 'string' || !body.title) problems.push('no title');
  if (typeof body.detail !== 'string' || body.detail.trim().length < 15) problems.push('no useful detail');
  if (STACK_TRACE.test(text) || SQL_TEXT.test(text)) problems.push('internals leaked');
  if (expected.detail && !expected.detail.test(body.detail)) problems.push(`detail does not match ${expected.detail}`);
  if (response.status === 401 && response.headers['www-authenticate'] !== 'Bearer') problems.push('no WWW-Authenticate: Bearer');
  if (expected.path !== undefined) {
    const paths = (body.errors ?? []).map((error: { path: string }) => error.path);
    const at = (path: string) => path === expected.path || (expected.path !== '' && (path.startsWith(`${expected.path}.`) || path.startsWith(`${expected.path}[`)));
    if (!paths.some(at)) problems.push(`errors[].path ${JSON.stringify(paths.slice(0, 10))} lacks ${JSON.stringify(expected.path)}`);
  }
  if (problems.length > 0) throw new Error(`${problems.join('; ')}: ${text.slice(0, 500)}\n  for ${where}`);
}

describe('hostile input (property-based, over real HTTP)', () => {
  let db: TestDatabase;
  let api: TestApi;
  let port: number;
  const tallies = new Map<string, Tally>();

  /** Everything a request could change. */
  async function state(): Promise<unknown> {
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*) FROM events)::int AS events,
              (SELECT coalesce(max(position), 0) FROM events)::text AS head,
              (SELECT string_agg(mission_id || ':' || version, ',' ORDER BY mission_id) FROM streams) AS streams,
              (SELECT count(*) FROM api_keys)::int AS api_keys,
              (SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL)::int AS revoked,
              (SELECT count(*) FROM idempotency_keys)::int AS idempotency_keys,
              (SELECT count(*) FROM projection_generations)::int AS generations`,
    );
    return rows[0];
  }

  beforeAll(async () => {
    db = await createTestDatabase('hostile_input');
    api = await startTestApi(db.url);
    port = Number(new URL(api.baseUrl).port);
    const setup = await api.request('POST', `/v1/missions/${MISSION}/events`, {
      body: { expectedVersion: 0, events: [ESTABLISHED, { type: 'ContingentArrived', occurredAt: '2024-06-25', data: { country: 'KEN', personnel: 100 } }, ...VALID_EVENTS] },
    });
    expect(setup.status).toBe(201);
    const create = async (role: string) => (await api.request('POST', '/v1/api-keys', { body: { name: `hostile-${role}`, role } })).body.key as string;
    operatorKey = await create('operator');
    viewerKey = await create('viewer');
  });

  afterAll(async () => {
    const rows = [...tallies.entries()].map(([name, t]) => {
      const outcomes = [...t.statuses.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
      const framework = t.framework ? `, ${t.framework} answered by the framework` : '';
      return `| ${name} | ${t.cases} | ${outcomes}${framework}; slowest ${t.slowestMs} ms |`;
    });
    const total = [...tallies.values()].reduce((sum, t) => sum + t.cases, 0);
    console.log(['| input class | cases | outcome |', '|---|---|---|', ...rows, `| all | ${total} | (per class above) |`].join('\n'));
    await api?.close();
    await db?.drop();
  });

  // Each of these was a 500 or an append of something other than what was sent (issue 7).
  describe('the cases that once failed', () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    const control = (body: string) => `{"events":[{"type":"SupportDeclared","occurredAt":"2024-02-01","data":{"supporter":"CAN"},"metadata":${body}}]}`;
    it.each<[string, () => RawRequest, number, RegExp]>([
      ['NUL in officiant', () => append('{"events":[{"type":"FarewellHeld","occurredAt":"2024-06-23","data":{"country":"KEN","personnel":1,"officiant":"a\\u0000b"}}]}'), 400, /events\[0\]\.data\.officiant must not contain the NUL character/],
      ['a lone surrogate in supporter', () => append('{"events":[{"type":"SupportDeclared","occurredAt":"2024-02-01","data":{"supporter":"\\ud800"}}]}'), 400, /events\[0\]\.data\.supporter must not contain a lone surrogate/],
      ['NUL in a metadata key', () => append(control('{"a\\u0000":1}')), 400, /metadata\.a\u0000 is a key that must not contain the NUL character/],
      ['metadata nested 10,000 levels deep', () => append(control(deep(10_000))), 400, /nested more than 64 levels/],
      ['occurredAt in the year 10000 (UTC)', () => append(`{"events":[{"type":"SupportDeclared","occurredAt":"9999-12-31T23:59:59-14:00","data":{"supporter":"CAN"}}]}`), 400, /occurredAt must be .* between the years 1900 and 9999/],
      ['asOf in the year 10000 (UTC)', () => get(`/v1/missions/${MISSION}/personnel?asOf=9999-12-31T23:59:59-14:00`), 400, /asOf/],
      ['NUL in an API key name', () => adminPost('/v1/api-keys', '{"name":"ops\\u0000","role":"admin"}'), 400, /name must not contain the NUL character/],
      ['a bearer key as long as the bootstrap key, with a non-ASCII byte', () => ({ method: 'GET', path: '/v1/events', headers: [['Authorization', `Bearer \u00e9${ADMIN_KEY.slice(1)}`]] }), 401, /unknown or revoked/],
      ['invalid UTF-8 in a string (once read as U+FFFD)', () => append(Buffer.concat([Buffer.from(control('{"note":"'), 'utf8').subarray(0, -'}]}'.length), Buffer.from([0xff]), Buffer.from('"}}]}')])), 400, /not valid UTF-8/],
      ['a duplicate key (once: the last one won)', () => append(control('{"note":"a","note":"b"}')), 400, /"note" twice/],
      ['a __proto__ key in metadata (once stored)', () => append(control('{"__proto__":{"admin":true}}')), 400, /"__proto__"/],
    ])('%s', async (_, request, status, detail) => {
      const before = await state();
      const response = await rawRequest(port, request());
      checkAnswer({ request: request(), expect: { statuses: [status], detail } }, response);
      expect(await state()).toEqual(before);
    });

    it.each(['application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"', 'application/json;charset=utf8', 'application/merge-patch+json; charset=UTF-8'])(
      'accepts Content-Type %j (once a 415)',
      async (type) => {
        const response = await rawRequest(port, appendTo(freshMission(), JSON.stringify({ events: [ESTABLISHED] }), [['Content-Type', type]]));
        expect({ status: response.status, body: response.body.toString() }).toEqual({ status: 201, body: expect.stringContaining('"streamVersion":1') });
      },
    );
  });

  it.each(CLASSES.map((entry) => [entry.name, entry] as const))('%s: 4xx problem, nothing changed', async (name, entry) => {
    const tally: Tally = { cases: 0, statuses: new Map(), framework: 0, slowestMs: 0 };
    tallies.set(name, tally);
    const before = await state();
    await fc.assert(
      fc.asyncProperty(entry.cases.map(printedShort), async (kase) => {
        const response = await rawRequest(port, kase.request, ANSWER_WITHIN_MS * 2);
        tally.cases += 1;
        tally.statuses.set(response.status, (tally.statuses.get(response.status) ?? 0) + 1);
        if (kase.expect.framework) tally.framework += 1;
        tally.slowestMs = Math.max(tally.slowestMs, response.elapsedMs);
        checkAnswer(kase, response);
        expect(await state()).toEqual(before);
      }),
      { numRuns: entry.runs, seed: SEED, endOnFailure: true },
    );
    // The service is still whole: a valid read answers.
    expect((await api.request('GET', `/v1/missions/${MISSION}/events?limit=1`)).status).toBe(200);
  });
});
