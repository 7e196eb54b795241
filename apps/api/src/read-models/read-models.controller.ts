import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { endOfDay, parseOccurredAt } from '@app/domain';
import { ProjectionName } from '@app/projections';
import { RequireRole } from '../auth/auth.decorator';
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

const MIN_POSITION_DOC = { name: 'minPosition', required: false, description: 'wait (up to 10 s) until the read model reflects this log position; else 503' };
const AS_OF_DOC = { name: 'asOf', required: false, example: '2024-07-01', description: 'totals from events that occurred on or before this date (end of day UTC)' };

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
  @ApiQuery(MIN_POSITION_DOC)
  async missions(@Query() query: unknown) {
    const { minPosition } = parseInput(listQuery, query, 'query');
    await this.waitFor(['missions', 'personnel'], minPosition);
    return this.readModels.missions();
  }

  @Get(':missionId/personnel')
  @ApiOperation({ summary: 'Personnel totals of a mission and per country, against the number required' })
  @ApiParam({ name: 'missionId', example: 'mss-haiti' })
  @ApiQuery(AS_OF_DOC)
  @ApiQuery(MIN_POSITION_DOC)
  @ApiResponse({ status: 404, description: 'no such mission' })
  @ApiResponse({ status: 503, description: 'minPosition not reached within 10 s (Retry-After)' })
  async personnel(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, minPosition } = parseInput(totalsQuery, query, 'query');
    if (!asOf) await this.waitFor(['personnel'], minPosition);
    return this.readModels.personnel(missionId, asOf);
  }

  @Get(':missionId/funding')
  @ApiOperation({ summary: 'Funding per currency and per donor (amounts as exact decimal strings)' })
  @ApiParam({ name: 'missionId', example: 'mss-haiti' })
  @ApiQuery(AS_OF_DOC)
  @ApiQuery(MIN_POSITION_DOC)
  @ApiResponse({ status: 404, description: 'no such mission' })
  async funding(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, minPosition } = parseInput(totalsQuery, query, 'query');
    if (!asOf) await this.waitFor(['funding'], minPosition);
    return this.readModels.funding(missionId, asOf);
  }

  @Get(':missionId/timeline')
  @ApiOperation({ summary: 'One sentence per event, newest first' })
  @ApiParam({ name: 'missionId', example: 'mss-haiti' })
  @ApiQuery({ name: 'limit', required: false, example: 50, description: 'at most 1000' })
  @ApiQuery({ name: 'before', required: false, description: 'only items with a lower position (paging)' })
  @ApiQuery(MIN_POSITION_DOC)
  @ApiResponse({ status: 404, description: 'no such mission' })
  async timeline(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { limit, before, minPosition } = parseInput(timelineQuery, query, 'query');
    await this.waitFor(['timeline'], minPosition);
    return this.readModels.timeline(missionId, limit, before);
  }

  private async waitFor(names: ProjectionName[], position: number): Promise<void> {
    if (position === 0) return;
    const reached = await Promise.all(names.map((name) => this.watcher.waitFor(name, position)));
    if (reached.includes(false)) {
      throw new Problem(503, 'position-not-reached', `the read model has not reached position ${position} within 10 s; retry shortly`, {}, { 'Retry-After': '1' });
    }
  }
}
