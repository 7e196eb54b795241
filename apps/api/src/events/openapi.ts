// OpenAPI schemas of the event catalogue, generated from the same zod schemas that validate it.
import { z } from 'zod';
import { EVENT_TYPES, eventDataSchemas } from '@app/domain';

const dataSchema = (type: (typeof EVENT_TYPES)[number]) =>
  z.toJSONSchema(eventDataSchemas[type], { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;

export const newEventSchema = {
  oneOf: EVENT_TYPES.map((type) => ({
    type: 'object',
    title: type,
    additionalProperties: false,
    required: ['type', 'occurredAt', 'data'],
    properties: {
      type: { type: 'string', enum: [type] },
      occurredAt: { type: 'string', description: 'ISO 8601 date (00:00 UTC) or date-time', example: '2024-06-24' },
      data: dataSchema(type),
      metadata: { type: 'object', description: 'free-form (for example correlationId); actor is set by the server' },
    },
  })),
};

export const appendRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['events'],
  properties: {
    expectedVersion: { type: 'integer', minimum: 0, description: '0 = the mission must not exist yet' },
    events: { type: 'array', minItems: 1, maxItems: 1000, items: newEventSchema },
  },
  example: {
    expectedVersion: 2,
    events: [{ type: 'ContingentDeparted', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } }],
  },
};

const envelopeSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    missionId: { type: 'string' },
    version: { type: 'integer' },
    position: { type: 'integer' },
    type: { type: 'string', enum: EVENT_TYPES },
    schemaVersion: { type: 'integer' },
    occurredAt: { type: 'string', format: 'date-time' },
    recordedAt: { type: 'string', format: 'date-time' },
    data: { type: 'object' },
    metadata: { type: 'object' },
  },
};

export const appendResponseSchema = {
  type: 'object',
  properties: {
    missionId: { type: 'string' },
    streamVersion: { type: 'integer' },
    events: {
      type: 'array',
      items: { type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer' }, position: { type: 'integer' } } },
    },
  },
};

export const streamPageSchema = {
  type: 'object',
  properties: {
    missionId: { type: 'string' },
    events: { type: 'array', items: envelopeSchema },
    nextVersion: { type: 'integer', nullable: true },
  },
};

export const globalPageSchema = {
  type: 'object',
  properties: { events: { type: 'array', items: envelopeSchema }, next: { type: 'integer' } },
};

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};
