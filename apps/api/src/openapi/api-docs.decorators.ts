// Swagger decorators that take their schemas from the zod schemas the routes validate with,
// so that what the document says a parameter may be is what the server accepts.
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiParam, ApiQuery, ApiResponse, type HeadersObject } from '@nestjs/swagger';
import { z } from 'zod';
import { toOpenApiSchema } from './zod-openapi';
import { responseSchemas } from './response-schemas';

type ComponentId = string;
const ref = (id: ComponentId) => ({ $ref: `#/components/schemas/${id}` });

interface ParameterDoc {
  description?: string;
  example?: unknown;
  /** Replaces the generated schema where zod cannot say it (a custom parse such as asOf). */
  schema?: Record<string, unknown>;
}

/** One query parameter per field of the route's zod query schema; a field's default is what it parses `undefined` to. */
export const ApiQueryFrom = <Shape extends z.ZodRawShape>(query: z.ZodObject<Shape>, docs: { [K in keyof Shape]?: ParameterDoc } = {}) =>
  applyDecorators(
    ...Object.entries(query.shape).map(([name, field]) => {
      const absent = (field as z.ZodType).safeParse(undefined);
      const fallback = absent.success ? absent.data : undefined;
      const doc: ParameterDoc = docs[name as keyof Shape] ?? {};
      const schema = { ...(doc.schema ?? toOpenApiSchema(field as z.ZodType, 'input')), ...(fallback === undefined ? {} : { default: fallback }) };
      return ApiQuery({ name, required: !absent.success, schema, description: doc.description, example: doc.example });
    }),
  );

export const ApiPathParam = (name: string, schema: z.ZodType | Record<string, unknown>, example?: unknown) =>
  ApiParam({ name, required: true, schema: { ...(schema instanceof z.ZodType ? toOpenApiSchema(schema, 'input') : schema), ...(example === undefined ? {} : { example }) } });

/** The answer of parseInput (validation/parse.ts) to a path or query parameter it refuses. */
export const ApiInvalidParameters = () => ApiProblem(400, 'a path or query parameter is not valid (`errors` names each)');

export const ApiJsonBody = (schema: z.ZodType | ComponentId, example?: unknown) =>
  ApiBody({ required: true, schema: typeof schema === 'string' ? ref(schema) : { ...toOpenApiSchema(schema, 'input'), example } });

/**
 * A success answered with one of the response components (response-schemas.ts), and the
 * headers it may carry; with `csv`, also as text/csv (`?format=csv`, see csv/).
 */
export const ApiAnswer = (status: number, schema: z.ZodType, description: string, headers?: HeadersObject, options: { csv?: boolean } = {}) => {
  const id = responseSchemas.get(schema)?.id;
  if (!id) throw new Error('ApiAnswer takes a schema registered in response-schemas.ts');
  if (!options.csv) return ApiResponse({ status, description, schema: ref(id), headers });
  return ApiResponse({
    status,
    description: `${description}; with format=csv, the table as CSV`,
    headers,
    content: {
      'application/json': { schema: ref(id) },
      'text/csv': { schema: { type: 'string', description: 'RFC 4180; a header row of the JSON field names (nested ones joined with ".")' } },
    },
  });
};

/**
 * An error answer. Only the description is given here: every error is
 * application/problem+json with the Problem schema (api-document.ts adds that).
 */
export const ApiProblem = (status: number, description: string) => ApiResponse({ status, description });
