// OpenAPI schemas of what clients send to append, generated from the same zod schemas that
// validate it (the event catalogue and the append request of @app/domain).
import { EVENT_TYPES, eventDataSchemas, sourceSchema } from '@app/domain';
import { appendRequestSchema as appendRequestZod } from '@app/domain';
import { SchemaObject, toOpenApiSchema } from '../openapi/zod-openapi';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** `<Type>Data`: the `data` of one event type. */
const eventDataComponents = Object.fromEntries(EVENT_TYPES.map((type) => [`${type}Data`, toOpenApiSchema(eventDataSchemas[type], 'input')]));

const newEvent: SchemaObject = {
  description: 'An event to append; `type` decides the shape of `data`.',
  oneOf: EVENT_TYPES.map((type) => ({
    type: 'object',
    title: type,
    additionalProperties: false,
    required: ['type', 'occurredAt', 'data'],
    properties: {
      type: { type: 'string', enum: [type] },
      occurredAt: {
        type: 'string',
        description: 'ISO 8601 date (00:00 UTC) or date-time, years 1900 to 9999',
        example: '2024-06-24',
      },
      data: ref(`${type}Data`),
      metadata: {
        type: 'object',
        additionalProperties: true,
        description: 'free-form, up to 4 KiB (for example correlationId); `actor` is set by the server; `source`, when given, says where the event was reported',
        properties: { source: ref('NewSource') },
      },
    },
  })),
};

/** The request's own zod schema, with its items (validated one by one in @app/domain) spelled out. */
const appendRequest: SchemaObject = (() => {
  const schema = toOpenApiSchema(appendRequestZod, 'input') as SchemaObject & { properties: Record<string, SchemaObject> };
  schema.properties.expectedVersion.description = "the stream's current version must equal it (0 = the mission must not exist yet), else 409";
  schema.properties.events = { ...schema.properties.events, items: ref('NewEvent'), description: 'appended atomically: all or none' };
  schema.example = {
    expectedVersion: 2,
    events: [{ type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } }],
  };
  return schema;
})();

/** `metadata.source` as a client sends it (checked as section 10 says). */
const newSource: SchemaObject = {
  ...toOpenApiSchema(sourceSchema, 'input'),
  description: 'where the event was reported: a url or a publisher (or both); nothing else',
  example: { url: 'https://press.un.org/en/2023/sc15432.doc.htm', publisher: 'United Nations', title: 'Security Council Authorizes Multinational Security Support Mission for Haiti', publishedAt: '2023-10-02' },
};

export const requestComponents: Record<string, SchemaObject> = { ...eventDataComponents, NewSource: newSource, NewEvent: newEvent, AppendRequest: appendRequest };
