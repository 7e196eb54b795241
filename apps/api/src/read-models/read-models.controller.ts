import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { endOfDay, parseOccurredAt } from '@app/domain';
import { ProjectionName } from '@app/projections';
import { RequireRole } from '../auth/auth.decorator';
import { ApiAnswer, ApiInvalidParameters, ApiPathParam, ApiProblem, ApiQueryFrom } from '../openapi/api-docs.decorators';
import { FundingSchema, MissionListSchema, PersonnelSchema, TimelineSchema } from '../openapi/response-schemas';
import { Problem } from '../problems/problem';
import { missionIdSchema, parseInput, queryInteger } from '../validation/parse';
import { ProjectionWatcher } from './projection-watcher';
import { ReadModelsService } from './read-models.service';

/** `asOf`: a date means the end of that day (UTC); a date-time means that instant. */
const asOfSchema = z
  .string()
  .transform((text, ctx) => {
    const instant = endOfDay(text) ?? parseOccurredAt(text);
    if (!instant) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date ("2024-07-01") or date-time' });
    return instant ?? undefined;
  })
  .optional();
const minPosition = queryInteger(0, Number.MAX_SAFE_INTEGER, 0);
const totalsQuery = z.object({ asOf: asOfSchema, minPosition });
const timelineQuery = z.object({
  limit: queryInteger(1, 1000, 50),
  before: queryInteger(1, Number.MAX_SAFE_INTEGER, 0).transform((v) => (v === 0 ? undefined : v)),
  minPosition,
});
const listQuery = z.object({ minPosition });

const MIN_POSITION_DOC = { description: 'wait (up to 10 s) until the read model reflects this log position; else 503' };
const AS_OF_DOC = {
  description: 'totals from events that occurred on or before this date (end of that day, UTC) or date-time',
  example: '2024-07-01',
  schema: { anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }] },
};
const MIN_POSITION_NOT_REACHED = 'minPosition not reached within 10 s (Retry-After)';

@ApiTags('read models')
@Controller('v1/missions')
@RequireRole('viewer')
export class ReadModelsController {
  constructor(
    private readonly readModels: ReadModelsService,
    private readonly watcher: ProjectionWatcher,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every mission with its personnel totals' })
  @ApiQueryFrom(listQuery, { minPosition: MIN_POSITION_DOC })
  @ApiInvalidParameters()
  @ApiAnswer(200, MissionListSchema, 'the missions, by id')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async missions(@Query() query: unknown) {
    const { minPosition } = parseInput(listQuery, query, 'query');
    await this.waitFor(['missions', 'personnel'], minPosition);
    return this.readModels.missions();
  }

  @Get(':missionId/personnel')
  @ApiOperation({ summary: 'Personnel totals of a mission and per country, against the number required' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(totalsQuery, { asOf: AS_OF_DOC, minPosition: MIN_POSITION_DOC })
  @ApiInvalidParameters()
  @ApiAnswer(200, PersonnelSchema, 'totals of the mission, and per country')
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async personnel(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, minPosition } = parseInput(totalsQuery, query, 'query');
    if (!asOf) await this.waitFor(['personnel'], minPosition, missionId);
    return this.readModels.personnel(missionId, asOf);
  }

  @Get(':missionId/funding')
  @ApiOperation({ summary: 'Funding per currency and per donor (amounts as exact decimal strings)' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(totalsQuery, { asOf: AS_OF_DOC, minPosition: MIN_POSITION_DOC })
  @ApiInvalidParameters()
  @ApiAnswer(200, FundingSchema, 'sums per currency and per donor')
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async funding(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, minPosition } = parseInput(totalsQuery, query, 'query');
    if (!asOf) await this.waitFor(['funding'], minPosition, missionId);
    return this.readModels.funding(missionId, asOf);
  }

  @Get(':missionId/timeline')
  @ApiOperation({ summary: 'One sentence per event, newest first' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(timelineQuery, {
    limit: { description: 'items per page' },
    before: { description: 'only items with a lower position (paging: the last position of the previous page)' },
    minPosition: MIN_POSITION_DOC,
  })
  @ApiInvalidParameters()
  @ApiAnswer(200, TimelineSchema, 'items, newest first')
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async timeline(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { limit, before, minPosition } = parseInput(timelineQuery, query, 'query');
    await this.waitFor(['timeline'], minPosition, missionId);
    return this.readModels.timeline(missionId, limit, before);
  }

  /** For one mission's read, its partition must reach the position; for the list, every partition. */
  private async waitFor(names: ProjectionName[], position: number, missionId?: string): Promise<void> {
    if (position === 0) return;
    const reached = await Promise.all(names.map((name) => this.watcher.waitFor(name, position, missionId)));
    if (reached.includes(false)) {
      throw new Problem(503, 'position-not-reached', `the read model has not reached position ${position} within 10 s; retry shortly`, {}, { 'Retry-After': '1' });
    }
  }
}
