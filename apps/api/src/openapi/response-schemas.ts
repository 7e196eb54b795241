// What every endpoint answers, as zod schemas registered under their component names. They
// validate nothing at run time: they exist to be written into the OpenAPI document, and the
// type checks at the end of this file fail the build when a response body and its schema part.
import { z } from 'zod';
import { EVENT_TYPES, FIGURES } from '@app/domain';
import type { AppendResult, GlobalPage, StoredEvent, StreamPage } from '@app/event-store';
import { PROJECTION_NAMES, ProjectionStatus } from '@app/projections';
import type { ApiKeyView } from '../auth/api-keys.repository';
import { ROLES } from '../auth/roles';
import type { HealthController } from '../health/health.controller';
import type { ProjectionsController } from '../projections/projections.controller';
import type { ReadModelsService } from '../read-models/read-models.service';

export const responseSchemas = z.registry<{ id: string }>();
const named = <S extends z.ZodType>(id: string, schema: S): S => {
  responseSchemas.add(schema, { id });
  return schema;
};

const count = z.number().int().min(0);
const position = z.number().int().min(0).meta({ description: 'a position in the global log' });
const instant = z.string().meta({ format: 'date-time', example: '2024-06-24T18:00:00.000Z' });
const amount = z.string().meta({ pattern: '^\\d+(\\.\\d+)?$', description: 'exact decimal string (never a JSON number)', example: '300000000' });
const country = z.string().meta({ description: 'ISO 3166-1 alpha-3', example: 'KEN' });
const currency = z.string().meta({ description: 'ISO 4217', example: 'USD' });

export const ProblemSchema = named(
  'Problem',
  z
    .looseObject({
      type: z.string().meta({ example: '/problems/validation-error' }),
      title: z.string().meta({ example: 'Bad Request' }),
      status: z.number().int().meta({ example: 400 }),
      detail: z.string(),
      errors: z
        .array(z.object({ path: z.string().meta({ example: 'events[0].data.personnel' }), message: z.string() }))
        .optional()
        .meta({ description: 'every field at fault (validation errors)' }),
      currentVersion: z.number().int().optional().meta({ description: "the stream's version (409 on expectedVersion)" }),
    })
    .meta({ description: 'RFC 9457 problem details; further members depend on `type`' }),
);

export const AppendResultSchema = named(
  'AppendResult',
  z.object({
    missionId: z.string(),
    streamVersion: z.number().int().min(1),
    events: z.array(z.object({ id: z.uuid(), version: z.number().int().min(1), position })),
  }),
);

export const StoredEventSchema = named(
  'StoredEvent',
  z.object({
    id: z.uuid(),
    missionId: z.string(),
    version: z.number().int().min(1),
    position,
    type: z.string().meta({
      description: `one of ${EVENT_TYPES.join(', ')} (or a type of a newer release, returned as stored)`,
      example: 'ContingentDeparted',
    }),
    schemaVersion: z.number().int().min(1),
    occurredAt: instant,
    recordedAt: instant,
    data: z.record(z.string(), z.unknown()).meta({ example: { country: 'KEN', personnel: 400 } }),
    metadata: z.record(z.string(), z.unknown()).meta({ description: '`actor` is the name of the API key that appended it' }),
  }),
);

export const StreamPageSchema = named(
  'StreamPage',
  z.object({
    missionId: z.string(),
    events: z.array(StoredEventSchema),
    nextVersion: z.number().int().nullable().meta({ description: 'fromVersion of the next page; null when this page reaches the end' }),
  }),
);

export const GlobalPageSchema = named(
  'GlobalPage',
  z.object({
    events: z.array(StoredEventSchema),
    next: position.meta({ description: '`after` of the next page' }),
  }),
);

const personnelCounts = { pledged: count, departed: count, inTransit: count, deployed: count, withdrawn: count };
const authorized = count.nullable().meta({ description: "the personnelCeiling of the mandate in force on the day (today, or asOf); null when none is, or it sets no ceiling" });
export const PersonnelTotalsSchema = named('PersonnelTotals', z.object({ required: count, authorized, ...personnelCounts }));
const missionId = z.string().meta({ example: 'mss-haiti' });
const date = z.string().meta({ format: 'date', example: '2023-10-02' });

export const MissionSummarySchema = named(
  'MissionSummary',
  z.object({
    missionId: z.string(),
    name: z.string(),
    hostCountry: country,
    leadNation: country.nullable(),
    streamVersion: z.number().int().min(0),
    supporters: z.array(z.string()),
    predecessor: missionId.nullable().meta({ description: 'the mission this one succeeds (MissionEstablished.predecessor)' }),
    successor: missionId.nullable().meta({ description: 'the mission that succeeds this one (of several, the first by id)' }),
    personnel: PersonnelTotalsSchema,
  }),
);

export const MissionListSchema = named('MissionList', z.object({ missions: z.array(MissionSummarySchema), position }));

export const CountryPersonnelSchema = named('CountryPersonnel', z.object({ country, ...personnelCounts }));

export const PersonnelSchema = named(
  'Personnel',
  z.object({
    missionId: z.string(),
    position,
    required: count,
    authorized,
    ...personnelCounts,
    byCountry: z.array(CountryPersonnelSchema).meta({ description: 'sorted by country' }),
  }),
);

const fundingSums = { pledged: amount, committed: amount, disbursed: amount };
export const DonorFundingSchema = named('DonorFunding', z.object({ donor: z.string(), currency, ...fundingSums }));
export const FundingSchema = named(
  'Funding',
  z.object({
    missionId: z.string(),
    position,
    byCurrency: z.array(named('CurrencyFunding', z.object({ currency, ...fundingSums }))),
    byDonor: z.array(DonorFundingSchema),
  }),
);

export const SourceSchema = named(
  'Source',
  z
    .object({
      url: z.string().optional().meta({ format: 'uri', example: 'https://press.un.org/en/2023/sc15432.doc.htm' }),
      publisher: z.string().optional().meta({ example: 'United Nations' }),
      title: z.string().optional(),
      publishedAt: z.string().optional().meta({ description: 'ISO 8601 date or date-time' }),
    })
    .meta({ description: '`metadata.source` of the event: where it was reported (a url or a publisher, or both)' }),
);

const status = z.enum(['current', 'corrected', 'retracted']).meta({
  description: '`corrected`: a later EventCorrected changed its data; `retracted`: a later EventRetracted took it back (the summary stays as first reported)',
});
const effectiveStatus = z.enum(['current', 'corrected']).meta({ description: '`corrected`: the event counts with the data of its latest correction' });

export const TimelineItemSchema = named(
  'TimelineItem',
  z.object({
    eventId: z.uuid().meta({ description: 'the id of the event (what a correction names)' }),
    position,
    version: z.number().int().min(1),
    type: z.enum(EVENT_TYPES),
    occurredAt: instant,
    summary: z.string().meta({ example: 'Kenya: 400 personnel departed' }),
    status,
    source: SourceSchema.optional(),
  }),
);

export const TimelineSchema = named(
  'Timeline',
  z.object({
    missionId: z.string(),
    position,
    items: z.array(TimelineItemSchema).meta({ description: 'newest first (by position, or by occurredAt with order=occurred)' }),
    // Each branch nullable (OpenAPI 3.0 has no null type; `nullable` needs a `type` beside it).
    next: z
      .union([z.number().int().nullable(), z.string().nullable()])
      .meta({ description: 'the following page: pass it as `before` (by position), or as `cursor` (order=occurred, an opaque string); null on the last page' }),
  }),
);

const countOrAmount = z.union([z.number().int(), amount]).meta({ description: 'an integer for personnel figures, an exact decimal string for money' });
export const ContributionSchema = named(
  'Contribution',
  z.object({
    eventId: z.uuid(),
    position,
    version: z.number().int().min(1),
    type: z.enum(EVENT_TYPES),
    occurredAt: instant,
    delta: countOrAmount.meta({ description: 'how much this event changed the figure (negative when it lowered it)' }),
    runningTotal: countOrAmount.meta({ description: 'the figure after this event' }),
    status: effectiveStatus,
    source: SourceSchema.optional(),
  }),
);

export const ContributionsSchema = named(
  'Contributions',
  z.object({
    missionId: z.string(),
    figure: z.enum(FIGURES),
    country: country.optional(),
    donor: z.string().optional(),
    currency: currency.optional(),
    position,
    total: countOrAmount.meta({ description: 'the figure, as the read model shows it (the last runningTotal)' }),
    items: z.array(ContributionSchema).meta({ description: 'every effective event that changed the figure, in log order' }),
  }),
);

export const MandateSchema = named(
  'Mandate',
  z.object({
    eventId: z.uuid().meta({ description: 'the MandateAuthorized event (what a correction names)' }),
    authority: z.string().meta({ example: 'UN Security Council' }),
    instrument: z.string().meta({ example: 'S/RES/2699 (2023)' }),
    adoptedOn: date,
    expiresOn: date.nullable(),
    personnelCeiling: count.nullable(),
    url: z.string().nullable().meta({ format: 'uri', example: 'https://press.un.org/en/2023/sc15432.doc.htm' }),
  }),
);

export const MandatesSchema = named(
  'Mandates',
  z.object({
    missionId: z.string(),
    position,
    // Inline (not a $ref): OpenAPI 3.0 has no nullable reference that linters accept.
    current: z.object(MandateSchema.shape).nullable().meta({
      description: 'the mandate in force on the day (today, or asOf): the latest adoptedOn on or before it, unless it expired before it (then null)',
    }),
    mandates: z.array(MandateSchema).meta({ description: 'by adoptedOn (the same day: log order)' }),
  }),
);

const pointPersonnel = z.object({ required: count, authorized, ...personnelCounts });
const pointFunding = z.object({ currency, ...fundingSums });
const inconsistent = z.boolean().meta({
  description: 'true when a count of this view is negative: reports were dated inconsistently (a withdrawal dated before the arrival it withdraws); the figures are returned as computed',
});
export const HistorySchema = named(
  'History',
  z.object({
    missionId: z.string(),
    position,
    points: z
      .array(
        named(
          'HistoryPoint',
          z.object({
            date,
            personnel: pointPersonnel,
            funding: z.array(pointFunding).meta({ description: 'by currency' }),
            inconsistent,
          }),
        ),
      )
      .meta({ description: 'one per UTC day on which an effective event occurred, by date; each equals asOf=<date> of personnel and of funding by currency' }),
  }),
);
/** One row of the history's CSV: a point and one of its currencies (a point without funding: one row, currency empty). */
export const HistoryRowSchema = z.object({ date, personnel: pointPersonnel, funding: pointFunding.optional(), inconsistent });

const indicatorPoint = {
  periodStart: date,
  periodEnd: date,
  area: z.string().nullable().meta({ description: 'null when the point covers no particular area', example: 'Ouest' }),
  value: z.string().meta({ pattern: '^\\d+(\\.\\d+)?$', description: 'exact decimal string', example: '1234' }),
  eventId: z.uuid().meta({ description: 'the IndicatorRecorded event that stands (the latest revision in the log)' }),
};
const indicatorName = z.string().meta({ example: 'homicides' });
const unit = z.string().meta({ example: 'people' });
/** One row of the indicators' CSV: a point with its indicator and unit. */
export const IndicatorPointRowSchema = z.object({ indicator: indicatorName, unit, ...indicatorPoint });

export const IndicatorsSchema = named(
  'Indicators',
  z.object({
    missionId: z.string(),
    position,
    indicators: z
      .array(
        named(
          'Indicator',
          z.object({
            indicator: indicatorName,
            unit,
            points: z.array(named('IndicatorPoint', z.object(indicatorPoint))).meta({ description: 'by periodStart, then periodEnd, then area (null first)' }),
          }),
        ),
      )
      .meta({ description: 'by indicator name' }),
  }),
);

export const ProjectionListSchema = named(
  'ProjectionList',
  z.object({
    projections: z.array(
      named(
        'ProjectionStatus',
        z.object({
          name: z.enum(PROJECTION_NAMES),
          position,
          headPosition: position,
          lagEvents: count,
          lagSeconds: z.number().min(0).meta({ description: 'age of the oldest event not applied yet (0 when caught up)' }),
          status: z.enum(['live', 'rebuilding', 'failed']),
          lastError: z.string().nullable().meta({ description: 'why it failed, or why it waits (an event this release cannot read yet)' }),
          retry: z
            .object({ attempts: z.number().int().min(1), nextRetryAt: instant })
            .nullable()
            .meta({ description: 'set while waiting for a release that can read the log (retried with backoff)' }),
          updatedAt: instant,
          rebuild: z
            .object({ generation: z.number().int().min(1), position })
            .nullable()
            .meta({ description: 'progress of a rebuild under way (the lowest position over its partitions)' }),
          partitions: z
            .array(
              named(
                'ProjectionPartition',
                z.object({
                  partition: z.number().int().min(0),
                  position,
                  lagEvents: count,
                  lagSeconds: z.number().min(0).meta({ description: "age of the oldest event of this partition not applied yet" }),
                  status: z.enum(['live', 'waiting', 'failed', 'stuck']).meta({
                    description: 'stuck: events wait and the checkpoint has not moved for longer than PROJECTION_STUCK_SECONDS (no worker is stepping it)',
                  }),
                  lastError: z.string().nullable().meta({ description: 'why it failed, waits or is stuck' }),
                  owner: z.string().nullable().meta({ description: 'the worker that says it owns the partition (from its heartbeat)' }),
                }),
              ),
            )
            .meta({ description: "the live generation's partitions (PROJECTION_PARTITIONS; one by default): position is the lowest of theirs, lagEvents their sum, lagSeconds their largest" }),
        }),
      ),
    ),
  }),
);

export const RebuildAcceptedSchema = named(
  'RebuildAccepted',
  z.object({
    name: z.enum(PROJECTION_NAMES),
    generation: z.number().int().min(1),
    status: z.string().meta({ description: 'always `rebuilding`', example: 'rebuilding' }),
    started: z.boolean().meta({ description: 'false when a rebuild was already under way (kept)' }),
  }),
);

const role = z.enum(ROLES);
export const ApiKeySchema = named(
  'ApiKey',
  z.object({ id: z.uuid(), name: z.string(), role, createdAt: instant, revokedAt: instant.nullable() }),
);
export const ApiKeyListSchema = named('ApiKeyList', z.object({ apiKeys: z.array(ApiKeySchema) }));
export const CreatedApiKeySchema = named(
  'CreatedApiKey',
  z.object({ id: z.uuid(), name: z.string(), role, key: z.string().meta({ description: 'the secret: shown only in this answer' }) }),
);

export const SessionSchema = named('Session', z.object({ name: z.string(), role }));

export const LiveSchema = named('Live', z.object({ status: z.literal('ok') }));
export const ReadySchema = named(
  'Ready',
  z.object({
    status: z.enum(['ok', 'degraded']).meta({
      description: 'degraded: this process serves (PostgreSQL and Redis are up), but a projection partition is stuck or failed, or its status could not be read; see `projections`',
    }),
    postgres: z.literal('up'),
    redis: z.literal('up'),
    projections: z.enum(['ok', 'stuck', 'failed', 'unknown']).meta({ description: 'stuck before failed when both; unknown: the status read did not answer in time' }),
    stuck: z
      .array(z.object({ projection: z.enum(PROJECTION_NAMES), partition: z.number().int().min(0), lagEvents: count, lagSeconds: z.number().min(0) }))
      .meta({ description: 'the stuck partitions (events wait, the checkpoint has not moved for longer than PROJECTION_STUCK_SECONDS)' }),
    detail: z.string().optional().meta({ description: 'what is wrong, when degraded' }),
    replicas: z
      .array(
        z.object({
          name: z.string().meta({ description: 'host:port of the replica', example: '10.0.0.6:5432' }),
          state: z.enum(['up', 'lagging', 'down']).meta({ description: 'up serves read-model reads; lagging (too far behind) and down do not: the primary answers them' }),
          lagSeconds: z.number().min(0).nullable().meta({ description: "how long its projection checkpoints have been behind the primary's (null before its first probe)" }),
        }),
      )
      .optional()
      .meta({ description: 'with DATABASE_REPLICA_URLS: each replica. A replica down or lagging never makes this 503: the primary serves its reads' }),
  }),
);

// ---- The build fails when a body the server returns is not what its schema says. ----

/** Server fits the documented type, and has no top-level field the document leaves out. */
type Documents<Doc, Server> = [Server] extends [Doc] ? ([keyof Server] extends [keyof Doc] ? true : false) : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Body<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type Out<S extends z.ZodType> = z.output<S>;

export const responseTypesMatch: [
  Same<Out<typeof AppendResultSchema>, AppendResult>,
  Documents<Out<typeof StoredEventSchema>, StoredEvent>,
  Documents<Out<typeof StreamPageSchema>, StreamPage>,
  Documents<Out<typeof GlobalPageSchema>, GlobalPage>,
  Same<Out<typeof MissionListSchema>, Body<ReadModelsService['missions']>>,
  Same<Out<typeof PersonnelSchema>, Body<ReadModelsService['personnel']>>,
  Same<Out<typeof FundingSchema>, Body<ReadModelsService['funding']>>,
  Same<Out<typeof TimelineSchema>, Body<ReadModelsService['timeline']>>,
  Same<Out<typeof ContributionsSchema>, Body<ReadModelsService['contributions']>>,
  Same<Out<typeof MandatesSchema>, Body<ReadModelsService['mandates']>>,
  Same<Out<typeof IndicatorsSchema>, Body<ReadModelsService['indicators']>>,
  Same<Out<typeof HistorySchema>, Body<ReadModelsService['history']>>,
  Same<Out<typeof ProjectionListSchema>, { projections: ProjectionStatus[] }>,
  Same<Out<typeof RebuildAcceptedSchema>, Body<ProjectionsController['rebuild']>>,
  Same<Out<typeof ApiKeySchema>, ApiKeyView>,
  Same<Out<typeof LiveSchema>, ReturnType<HealthController['live']>>,
  Same<Out<typeof ReadySchema>, Body<HealthController['ready']>>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
