// The one place zod schemas become OpenAPI 3.0 Schema Objects (the document is OpenAPI 3.0,
// Nest's default; zod's `openapi-3.0` target writes `nullable` instead of 2020-12 keywords and
// no `$schema`). Requests are described by what a client sends (`io: 'input'`), responses by
// what the server returns (`io: 'output'`).
import { z } from 'zod';

export type SchemaObject = Record<string, unknown>;
type Io = 'input' | 'output';

const options = (io: Io) =>
  ({
    target: 'openapi-3.0',
    io,
    // Refinements (a country code, a currency) and transforms cannot be written as JSON Schema:
    // the schema then says what it can (type, pattern, lengths) and the server says the rest.
    unrepresentable: 'any',
    override: documentQueryNumbers,
  }) as const;

export function toOpenApiSchema(schema: z.ZodType, io: Io): SchemaObject {
  return tidy(z.toJSONSchema(schema, options(io)) as SchemaObject, io);
}

/** Every schema of a registry, as `components.schemas`; schemas nested in others become `$ref`s. */
export function toOpenApiComponents(registry: z.core.$ZodRegistry<{ id: string }>, io: Io): Record<string, SchemaObject> {
  const { schemas } = z.toJSONSchema(registry, { ...options(io), uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, tidy(schema as SchemaObject, io)]));
}

/**
 * Query text that the server pipes into a number (validation/parse.ts `queryInteger`) is
 * described as that number, with its bounds, rather than as the text's regular expression;
 * it is an integer when the text's pattern admits no fraction.
 */
function documentQueryNumbers(context: { zodSchema: z.core.$ZodType; jsonSchema: Record<string, unknown> }): void {
  const def = context.zodSchema._zod.def as { type: string; in?: z.core.$ZodType; out?: z.core.$ZodType };
  if (def.type !== 'pipe' || def.out?._zod.def.type !== 'number') return;
  const text = z.toJSONSchema(def.in as z.ZodType, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as SchemaObject;
  if (text.type !== 'string') return;
  const number = z.toJSONSchema(def.out as z.ZodType, { target: 'openapi-3.0', io: 'output' }) as SchemaObject;
  const integer = typeof text.pattern === 'string' && !new RegExp(text.pattern).test('1.5');
  for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
  Object.assign(context.jsonSchema, tidy(number, 'output'), integer ? { type: 'integer' } : {});
}

/**
 * Drops what an OpenAPI 3.0 Schema Object may not hold, and zod's default integer bounds
 * (noise). Responses lose `additionalProperties: false`: a field added to an answer later must
 * not make a client that validates answers refuse it (requests keep it: the server refuses
 * unknown fields).
 */
function tidy(schema: SchemaObject, io: Io): SchemaObject {
  const { $id: _id, $schema: _schema, ...rest } = schema;
  if (io === 'output' && rest.additionalProperties === false) delete rest.additionalProperties;
  if (rest.minimum === Number.MIN_SAFE_INTEGER) delete rest.minimum;
  if (rest.maximum === Number.MAX_SAFE_INTEGER) delete rest.maximum;
  for (const [key, value] of Object.entries(rest)) {
    if (Array.isArray(value)) rest[key] = value.map((item) => (isObject(item) ? tidy(item, io) : item));
    else if (isObject(value) && key !== 'example' && key !== 'default') rest[key] = tidy(value, io);
  }
  return rest;
}

const isObject = (value: unknown): value is SchemaObject => typeof value === 'object' && value !== null && !Array.isArray(value);
