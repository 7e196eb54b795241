import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { endOfDay, EVENT_TYPES, FIGURES, isCountryCode, isCurrencyCode, isFundingFigure, isIsoDate, parseOccurredAt } from '@app/domain';
import { RequireRole } from '../auth/auth.decorator';
import { ApiAnswer, ApiInvalidParameters, ApiPathParam, ApiProblem, ApiQueryFrom } from '../openapi/api-docs.decorators';
import { CsvTable, FORMAT_DOC, formatParam } from '../csv/csv-table.decorator';
import {
  ContributionSchema,
  ContributionsSchema,
  CountryPersonnelSchema,
  DonorFundingSchema,
  FundingSchema,
  HistoryRowSchema,
  HistorySchema,
  IndicatorPointRowSchema,
  IndicatorsSchema,
  MandateSchema,
  MandatesSchema,
  MissionListSchema,
  MissionSummarySchema,
  PersonnelSchema,
  TimelineItemSchema,
  TimelineSchema,
} from '../openapi/response-schemas';
import { missionIdSchema, parseInput, queryInteger } from '../validation/parse';
import { ReadModelsService } from './read-models.service';
import { decodeTimelineCursor } from './timeline-cursor';

/** `asOf`: a date means the end of that day (UTC); a date-time means that instant. */
const asOfSchema = z
  .string()
  .transform((text, ctx) => {
    const instant = endOfDay(text) ?? parseOccurredAt(text);
    if (!instant) ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date ("2024-07-01") or date-time' });
    return instant ?? undefined;
  })
  .optional();
/** `knownAt`: a date means the end of that day (UTC), as for asOf; a date-time, that instant. */
const knownAtSchema = asOfSchema;
const minPosition = queryInteger(0, Number.MAX_SAFE_INTEGER, 0);
const totalsQuery = z.object({ asOf: asOfSchema, knownAt: knownAtSchema, minPosition, format: formatParam });
const contributionsQuery = z
  .object({
    figure: z.enum(FIGURES, { error: `must be one of ${FIGURES.join(', ')}` }),
    country: z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-3 country code such as "KEN"').optional(),
    donor: z.string().min(1).max(120).optional(),
    currency: z.string().refine(isCurrencyCode, 'must be an ISO 4217 currency code such as "USD"').optional(),
    asOf: asOfSchema,
    knownAt: knownAtSchema,
    minPosition,
    format: formatParam,
  })
  .superRefine((query, ctx) => {
    const funding = isFundingFigure(query.figure);
    if (funding && query.currency === undefined) ctx.addIssue({ code: 'custom', path: ['currency'], message: `is required with ${query.figure} (money is never added across currencies)` });
    if (funding && query.country !== undefined) ctx.addIssue({ code: 'custom', path: ['country'], message: `does not apply to ${query.figure}; use donor` });
    if (!funding && (query.donor !== undefined || query.currency !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [query.donor !== undefined ? 'donor' : 'currency'], message: `does not apply to ${query.figure}` });
    }
    if (query.figure === 'personnel.required' && query.country !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['country'], message: 'does not apply to personnel.required (a requirement is the whole mission\'s)' });
    }
  });
/** A day (`YYYY-MM-DD`, UTC) of a from/to filter, inclusive. */
const dayParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)')
  .refine((text) => parseOccurredAt(text) !== null, 'must be a real date between the years 1900 and 9999')
  .optional();
const timelineQuery = z
  .object({
    limit: queryInteger(1, 1000, 50),
    before: queryInteger(1, Number.MAX_SAFE_INTEGER, 0).transform((v) => (v === 0 ? undefined : v)),
    type: z
      .string()
      .transform((text) => text.split(','))
      .pipe(z.array(z.enum(EVENT_TYPES, { error: `each must be one of ${EVENT_TYPES.join(', ')}` })))
      .optional(),
    country: z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-3 country code such as "KEN"').optional(),
    from: dayParam,
    to: dayParam,
    order: z.enum(['position', 'occurred']).optional().transform((order) => order ?? 'position'),
    cursor: z.string().optional(),
    minPosition,
    format: formatParam,
  })
  .superRefine((query, ctx) => {
    if (query.order === 'occurred' && query.before !== undefined) ctx.addIssue({ code: 'custom', path: ['before'], message: 'pages by position; with order=occurred, page with cursor' });
    if (query.order !== 'occurred' && query.cursor !== undefined) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'is the next page of order=occurred; by position, page with before' });
    if (query.cursor !== undefined && !decodeTimelineCursor(query.cursor)) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'is not a cursor this server gave (pass the `next` of the previous page as it is)' });
    if (query.from && query.to && query.from > query.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  });
const listQuery = z.object({ minPosition, format: formatParam });
const day = z.string().refine(isIsoDate, 'must be an ISO 8601 date ("2024-07-01")').optional();
const historyQuery = z
  .object({ from: day, to: day, knownAt: knownAtSchema, minPosition, format: formatParam })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { path: ['to'], message: 'must not be before from' });

const MIN_POSITION_DOC = { description: 'wait (up to 10 s) until the read model reflects this log position; else 503' };
const AS_OF_DOC = {
  description: 'totals from events that occurred on or before this date (end of that day, UTC) or date-time',
  example: '2024-07-01',
  schema: { anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }] },
};
const KNOWN_AT_DOC = {
  description: 'the answer as the service would have given it at this instant: only events (corrections included) recorded by then count; a date means the end of that day (UTC)',
  example: '2024-08-01T00:00:00Z',
  schema: { anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }] },
};
const MIN_POSITION_NOT_REACHED = 'minPosition not reached within 10 s (Retry-After)';

@ApiTags('read models')
@Controller('v1/missions')
@RequireRole('viewer')
export class ReadModelsController {
  constructor(private readonly readModels: ReadModelsService) {}

  @Get()
  @ApiOperation({ summary: 'Every mission with its personnel totals' })
  @ApiQueryFrom(listQuery, { minPosition: MIN_POSITION_DOC, format: FORMAT_DOC })
  @ApiInvalidParameters()
  @ApiAnswer(200, MissionListSchema, 'the missions, by id', undefined, { csv: true })
  @CsvTable({ model: 'missions', row: MissionSummarySchema, rows: (body: { missions: unknown[] }) => body.missions })
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async missions(@Query() query: unknown) {
    const { minPosition } = parseInput(listQuery, query, 'query');
    return this.readModels.missions({ minPosition });
  }

  @Get(':missionId/personnel')
  @ApiOperation({ summary: 'Personnel totals of a mission and per country, against the number required' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(totalsQuery, { asOf: AS_OF_DOC, knownAt: KNOWN_AT_DOC, minPosition: MIN_POSITION_DOC, format: FORMAT_DOC })
  @ApiInvalidParameters()
  @ApiAnswer(200, PersonnelSchema, 'totals of the mission, and per country (CSV: one row per country)', undefined, { csv: true })
  @CsvTable({ model: 'personnel', row: CountryPersonnelSchema, rows: (body: { byCountry: unknown[] }) => body.byCountry })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async personnel(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, knownAt, minPosition } = parseInput(totalsQuery, query, 'query');
    return this.readModels.personnel(missionId, { asOf, knownAt }, { minPosition });
  }

  @Get(':missionId/funding')
  @ApiOperation({ summary: 'Funding per currency and per donor (amounts as exact decimal strings)' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(totalsQuery, { asOf: AS_OF_DOC, knownAt: KNOWN_AT_DOC, minPosition: MIN_POSITION_DOC, format: FORMAT_DOC })
  @ApiInvalidParameters()
  @ApiAnswer(200, FundingSchema, 'sums per currency and per donor (CSV: one row per donor and currency)', undefined, { csv: true })
  @CsvTable({ model: 'funding', row: DonorFundingSchema, rows: (body: { byDonor: unknown[] }) => body.byDonor })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async funding(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, knownAt, minPosition } = parseInput(totalsQuery, query, 'query');
    return this.readModels.funding(missionId, { asOf, knownAt }, { minPosition });
  }

  @Get(':missionId/mandates')
  @ApiOperation({ summary: 'The mandates of a mission (by adoptedOn) and the one in force on the day (today, or asOf)' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(totalsQuery, {
    asOf: { ...AS_OF_DOC, description: 'the mandates that occurred by this date (end of that day, UTC) or date-time; `current` is the one in force that day' },
    knownAt: KNOWN_AT_DOC,
    minPosition: MIN_POSITION_DOC,
    format: FORMAT_DOC,
  })
  @ApiInvalidParameters()
  @ApiAnswer(200, MandatesSchema, 'the mandates and the one in force (CSV: one row per mandate)', undefined, { csv: true })
  @CsvTable({ model: 'mandates', row: MandateSchema, rows: (body: { mandates: unknown[] }) => body.mandates })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async mandates(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, knownAt, minPosition } = parseInput(totalsQuery, query, 'query');
    return this.readModels.mandates(missionId, { asOf, knownAt }, { minPosition });
  }

  @Get(':missionId/history')
  @ApiOperation({ summary: 'Personnel (with the mandate ceiling) and funding by currency over time: one point per day with an effective event, each equal to asOf of that day' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(historyQuery, {
    from: { description: 'first day (inclusive)', example: '2024-01-01', schema: { type: 'string', format: 'date' } },
    to: { description: 'last day (inclusive)', example: '2024-12-31', schema: { type: 'string', format: 'date' } },
    knownAt: KNOWN_AT_DOC,
    minPosition: MIN_POSITION_DOC,
    format: FORMAT_DOC,
  })
  @ApiInvalidParameters()
  @ApiAnswer(200, HistorySchema, 'the points by date (CSV: one row per point and currency)', undefined, { csv: true })
  @CsvTable({
    model: 'history',
    row: HistoryRowSchema,
    rows: (body: { points: { funding: object[] }[] }) =>
      body.points.flatMap(({ funding, ...point }) => (funding.length === 0 ? [point] : funding.map((currency) => ({ ...point, funding: currency })))),
  })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async history(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { from, to, knownAt, minPosition } = parseInput(historyQuery, query, 'query');
    return this.readModels.history(missionId, { from, to }, { knownAt }, { minPosition });
  }

  @Get(':missionId/indicators')
  @ApiOperation({ summary: 'The outcome indicators of a mission: per indicator, its unit and its points (the latest revision of each stands)' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(totalsQuery, {
    asOf: { ...AS_OF_DOC, description: 'only the points whose periodEnd is on or before this date (or the day of this date-time)' },
    knownAt: KNOWN_AT_DOC,
    minPosition: MIN_POSITION_DOC,
    format: FORMAT_DOC,
  })
  @ApiInvalidParameters()
  @ApiAnswer(200, IndicatorsSchema, 'indicators by name, points by period and area (CSV: one row per indicator point)', undefined, { csv: true })
  @CsvTable({
    model: 'indicators',
    row: IndicatorPointRowSchema,
    rows: (body: { indicators: { indicator: string; unit: string; points: object[] }[] }) =>
      body.indicators.flatMap(({ indicator, unit, points }) => points.map((point) => ({ indicator, unit, ...point }))),
  })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async indicators(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { asOf, knownAt, minPosition } = parseInput(totalsQuery, query, 'query');
    return this.readModels.indicators(missionId, { asOf, knownAt }, { minPosition });
  }

  @Get(':missionId/contributions')
  @ApiOperation({ summary: 'What one figure rests on: every effective event that changed it, with its change, the figure after it, its status and source' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(contributionsQuery, {
    figure: { description: 'the figure to open', example: 'personnel.departed' },
    country: { description: "personnel figures: one country's (else the mission's)", example: 'KEN' },
    donor: { description: "funding figures: one donor's (else every donor's)", example: 'USA' },
    currency: { description: 'funding figures: required', example: 'USD' },
    asOf: AS_OF_DOC,
    knownAt: KNOWN_AT_DOC,
    minPosition: MIN_POSITION_DOC,
    format: FORMAT_DOC,
  })
  @ApiInvalidParameters()
  @ApiAnswer(200, ContributionsSchema, 'the events behind the figure, in log order; the last runningTotal is total (CSV: one row per item)', undefined, { csv: true })
  @CsvTable({ model: 'contributions', row: ContributionSchema, rows: (body: { items: unknown[] }) => body.items })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async contributions(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { figure, country, donor, currency, asOf, knownAt, minPosition } = parseInput(contributionsQuery, query, 'query');
    return this.readModels.contributions(missionId, { figure, country, donor, currency }, { asOf, knownAt }, { minPosition });
  }

  @Get(':missionId/timeline')
  @ApiOperation({ summary: 'One sentence per event, newest first' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiQueryFrom(timelineQuery, {
    limit: { description: 'items per page' },
    before: { description: 'only items with a lower position (paging: the `next` of the previous page)' },
    type: { description: 'only these event types (comma-separated)', example: 'ContingentDeparted,ContingentArrived' },
    country: { description: 'only events that name this country (as country, donor or supporter)', example: 'KEN' },
    from: { description: 'only events that occurred on or after this day (UTC)', example: '2024-06-01' },
    to: { description: 'only events that occurred on or before this day (UTC)', example: '2024-07-31' },
    order: { description: '`occurred`: newest occurredAt first, ties by position (page with `cursor`); default `position`, newest first' },
    cursor: { description: 'with order=occurred: the `next` of the previous page' },
    minPosition: MIN_POSITION_DOC,
    format: FORMAT_DOC,
  })
  @ApiInvalidParameters()
  @ApiAnswer(200, TimelineSchema, 'items, newest first (CSV: one row per item)', undefined, { csv: true })
  @CsvTable({ model: 'timeline', row: TimelineItemSchema, rows: (body: { items: unknown[] }) => body.items })
  @ApiProblem(404, 'no such mission')
  @ApiProblem(503, MIN_POSITION_NOT_REACHED)
  async timeline(@Param('missionId') missionIdParam: string, @Query() query: unknown) {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const { limit, before, type, country, from, to, order, cursor, minPosition } = parseInput(timelineQuery, query, 'query');
    const dayAfter = (day: string) => new Date(parseOccurredAt(day)!.getTime() + 86_400_000);
    return this.readModels.timeline(
      missionId,
      { limit, before, order, cursor: cursor === undefined ? undefined : decodeTimelineCursor(cursor)!, types: type, country, from: from ? parseOccurredAt(from)! : undefined, until: to ? dayAfter(to) : undefined },
      { minPosition },
    );
  }
}
