// Unit specs for the request body parser: what it accepts, and the Problem for everything else.
import { Problem } from '../problems/problem';
import { MAX_JSON_DEPTH, parseJsonBody } from './json-body';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

function refusal(charset: string | undefined, body: Buffer): Problem {
  try {
    parseJsonBody(charset, body);
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('the body was accepted');
}

describe('parseJsonBody', () => {
  it('parses JSON, with or without a UTF-8 charset in any spelling and case', () => {
    for (const charset of [undefined, 'utf-8', 'UTF-8', 'Utf8']) {
      expect(parseJsonBody(charset, utf8('{"a":[1,"é😀"]}'))).toEqual({ a: [1, 'é😀'] });
    }
  });

  it('refuses any other charset with 415, naming it', () => {
    const problem = refusal('iso-8859-1', utf8('{}'));
    expect(problem.status).toBe(415);
    expect(problem.detail).toBe('the request body must be UTF-8 JSON; charset "iso-8859-1" is not supported (send charset=utf-8 or none)');
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x80, 0x22, 0x7d])],
    ['an over-long encoding of "/"', Buffer.concat([utf8('{"a":"'), Buffer.from([0xc0, 0xaf]), utf8('"}')])],
    ['an encoded surrogate (CESU-8)', Buffer.concat([utf8('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), utf8('"}')])],
    ['a truncated sequence', Buffer.concat([utf8('{"a":"'), Buffer.from([0xe2, 0x82]), utf8('"}')])],
  ])('refuses %s: invalid UTF-8 is not silently replaced', (_, body) => {
    const problem = refusal(undefined, body);
    expect([problem.status, problem.detail]).toEqual([400, 'the request body is not valid UTF-8']);
  });

  it.each(['{"__proto__":{"isAdmin":true}}', '{"a":[{"constructor":{"prototype":{"x":1}}}]}', '{"\\u005f_proto__":{}}'])(
    'refuses the prototype-poisoning body %s',
    (text) => {
      const problem = refusal(undefined, utf8(text));
      expect([problem.status, problem.detail]).toEqual([400, 'the request body holds a "__proto__" or "constructor.prototype" key; these keys are refused']);
    },
  );

  it('accepts a key named "constructor" that holds no prototype, and a body that is literally null', () => {
    expect(parseJsonBody(undefined, utf8('{"constructor":"x"}'))).toEqual({ constructor: 'x' });
    expect(parseJsonBody(undefined, utf8(' null '))).toBeNull();
  });

  it('refuses a key given twice in one object, at any depth and however it is escaped', () => {
    for (const text of ['{"a":1,"a":2}', '{"x":[{"b":1, "b" : 1}]}', '{"a":1,"\\u0061":2}']) {
      const problem = refusal(undefined, utf8(text));
      expect(problem.status).toBe(400);
      expect(problem.detail).toMatch(/^the request body has the key "[ab]" twice in one object/);
    }
  });

  it('accepts the same key in different objects, and key-like text inside strings', () => {
    expect(parseJsonBody(undefined, utf8('{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"\\"a\\":1,\\"a\\":"}'))).toBeTruthy();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(parseJsonBody(undefined, utf8(nested(MAX_JSON_DEPTH)))).toBeTruthy();
    expect(refusal(undefined, utf8(nested(MAX_JSON_DEPTH + 1))).detail).toBe(`the request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  });

  it('refuses half a million levels of nesting without overflowing the stack', () => {
    const text = '{"a":'.repeat(500_000) + '1' + '}'.repeat(500_000);
    expect(refusal(undefined, utf8(text)).status).toBe(400);
  });

  it('reads an empty or blank body as no body (a route that needs one says so: JsonBody)', () => {
    for (const text of ['', ' \n', '\t']) expect(parseJsonBody(undefined, utf8(text))).toBeUndefined();
  });

  it.each([
    ['{"a":', 'the request body is not valid JSON'],
    ["{'a':1}", 'the request body is not valid JSON'],
    ['NaN', 'the request body is not valid JSON'],
  ])('refuses %j', (text, detail) => {
    expect([refusal(undefined, utf8(text)).status, refusal(undefined, utf8(text)).detail]).toEqual([400, detail]);
  });
});
