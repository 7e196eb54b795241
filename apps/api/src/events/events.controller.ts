import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { validateAppendRequest } from '@app/domain';
import { AppendResult, EventStore, GlobalPage, requestHash, StreamPage } from '@app/event-store';
import { ProjectionNudger } from '@app/queues';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorator';
import { Principal } from '../auth/roles';
import { ApiMetrics } from '../metrics/api-metrics';
import { Problem, validationProblem } from '../problems/problem';
import { missionIdSchema, parseInput, queryInteger } from '../validation/parse';
import { ApiAnswer, ApiInvalidParameters, ApiJsonBody, ApiPathParam, ApiProblem, ApiQueryFrom } from '../openapi/api-docs.decorators';
import { AppendResultSchema, GlobalPageSchema, StreamPageSchema } from '../openapi/response-schemas';
import { toOpenApiSchema } from '../openapi/zod-openapi';
import { JsonBody } from '../http/json-body.decorator';

const streamQuerySchema = z.object({ fromVersion: queryInteger(0, 2 ** 31 - 1, 1), limit: queryInteger(1, 1000, 100) });
const feedQuerySchema = z.object({ after: queryInteger(0, Number.MAX_SAFE_INTEGER, 0), limit: queryInteger(1, 1000, 100) });
/** Set (to `true`) on a 201 that replays an earlier answer; absent on a new append. */
export const IDEMPOTENT_REPLAYED = 'Idempotent-Replayed';
const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters')
  .optional();

@ApiTags('events')
@Controller('v1')
export class EventsController {
  constructor(
    private readonly store: EventStore,
    private readonly nudger: ProjectionNudger,
    private readonly metrics: ApiMetrics,
  ) {}

  @Post('missions/:missionId/events')
  @HttpCode(201)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Append events to a mission stream (all or none)' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retry with the same key and body returns the first answer', schema: toOpenApiSchema(idempotencyKeySchema, 'input') })
  @ApiJsonBody('AppendRequest')
  @ApiAnswer(201, AppendResultSchema, 'appended: the ids, versions and log positions of the new events', {
    [IDEMPOTENT_REPLAYED]: { description: '`true` when this is the first answer to the same Idempotency-Key again: nothing was appended now', schema: { type: 'string', enum: ['true'] } },
  })
  @ApiProblem(400, 'invalid JSON, event or header (`errors` names each field at fault)')
  @ApiProblem(404, 'the mission does not exist and the first event is not MissionEstablished')
  @ApiProblem(409, 'expectedVersion does not match (body has currentVersion), or the mission exists already')
  @ApiProblem(413, 'body over 1 MiB')
  @ApiProblem(415, 'body is not JSON')
  @ApiProblem(422, 'a domain rule is broken, or the Idempotency-Key was used with another body')
  @ApiProblem(503, 'PostgreSQL is unreachable (Retry-After)')
  async append(
    @Param('missionId') missionIdParam: string,
    @JsonBody() body: unknown,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AppendResult> {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const idempotencyKey = parseInput(idempotencyKeySchema, idempotencyKeyHeader, 'Idempotency-Key header');
    const command = validateAppendRequest(body);
    if (!command.ok) throw validationProblem(command.errors, 'invalid append request');
    const { result, replayed } = await this.store.append(missionId, command.value, {
      actor: principal.name,
      principal: principal.id,
      idempotency: idempotencyKey ? { key: idempotencyKey, requestHash: requestHash({ missionId, body }) } : undefined,
    });
    // A client cannot tell a replay from the body (it is the first answer again); this says so.
    if (replayed) {
      reply.header(IDEMPOTENT_REPLAYED, 'true');
      return result;
    }
    this.metrics.eventsAppended.inc(result.events.length);
    // After the commit, never before; not awaited: a slow or absent Redis must not delay the 201.
    void this.nudger.nudge([missionId]);
    return result;
  }

  @Get('missions/:missionId/events')
  @RequireRole('viewer')
  @ApiOperation({ summary: "Read a mission's events in version order" })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(streamQuerySchema, { fromVersion: { description: 'the first version to return' }, limit: { description: 'events per page' } })
  @ApiInvalidParameters()
  @ApiAnswer(200, StreamPageSchema, 'a page of events in version order')
  @ApiProblem(404, 'no such mission')
  async readStream(@Param('missionId') missionIdParam: string, @Query() query: unknown): Promise<StreamPage> {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { fromVersion, limit } = parseInput(streamQuerySchema, query, 'query');
    const page = await this.store.readStream(missionId, fromVersion, limit);
    if (!page) throw new Problem(404, 'mission-not-found', `there is no mission "${missionId}"`);
    return page;
  }

  @Get('events')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'The global feed: events with position > after, in commit order' })
  @ApiQueryFrom(feedQuerySchema, { after: { description: 'return events with a position above this one' }, limit: { description: 'events per page' } })
  @ApiInvalidParameters()
  @ApiAnswer(200, GlobalPageSchema, 'a page of events in position order')
  async readAll(@Query() query: unknown): Promise<GlobalPage> {
    const { after, limit } = parseInput(feedQuerySchema, query, 'query');
    return this.store.readAll(after, limit);
  }
}
