import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { within } from '@app/config';
import { Database, DATABASE, notMigratedMessage, pendingMigrations } from '@app/database';
import { ProjectionName, ProjectionStatus, ProjectionStatuses } from '@app/projections';
import { ApiAnswer, ApiProblem } from '../openapi/api-docs.decorators';
import { LiveSchema, ReadySchema } from '../openapi/response-schemas';
import { Problem } from '../problems/problem';
import { ReplicaMonitor } from '../read-routing/replica-monitor';
import { RedisHealth } from './redis-health';


type PostgresState = 'up' | 'down' | 'not migrated';

interface ReplicaReadiness {
  name: string;
  state: 'up' | 'lagging' | 'down';
  lagSeconds: number | null;
}

interface Ready {
  status: 'ok' | 'degraded';
  postgres: 'up';
  redis: 'up';
  projections: 'ok' | 'stuck' | 'failed' | 'unknown';
  stuck: { projection: ProjectionName; partition: number; lagEvents: number; lagSeconds: number }[];
  detail?: string;
  replicas?: ReplicaReadiness[];
}

@ApiTags('service')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly redis: RedisHealth,
    private readonly replicas: ReplicaMonitor,
    private readonly projections: ProjectionStatuses,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  @ApiAnswer(200, LiveSchema, 'up')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL (with the schema migrated) and Redis are reachable; says whether a projection partition is stuck or failed; replicas, if any, listed (a replica down is no 503: the primary answers its reads)' })
  @ApiAnswer(200, ReadySchema, 'both reachable (status "degraded" when a projection partition is stuck or failed; each replica up, lagging or down)')
  @ApiProblem(503, 'names the dependency that is down or the schema not migrated (body has postgres: up, down or "not migrated", and redis: up or down; Retry-After)')
  async ready(): Promise<Ready> {
    // One small query proves both: PostgreSQL answers, and it has every migration applied.
    const [pending, redis, statuses] = await Promise.all([
      within(pendingMigrations(this.database.pool), 2_000).catch(() => null),
      within(this.redis.ping(), 2_000).then(() => true, () => false),
      this.projections.current(), // shared with /metrics, at most one read a second; null if it does not answer
    ]);
    const postgres: PostgresState = pending === null ? 'down' : pending.length > 0 ? 'not migrated' : 'up';
    if (postgres !== 'up' || !redis) {
      const problems = [
        postgres === 'down' && 'PostgreSQL unreachable',
        postgres === 'not migrated' && `PostgreSQL: ${notMigratedMessage(pending!)}`,
        !redis && 'Redis unreachable',
      ].filter(Boolean);
      throw new Problem(503, 'not-ready', problems.join('; '), { postgres, redis: redis ? 'up' : 'down' }, { 'Retry-After': '5' });
    }
    // Replicas as their last probe (each second) found them: reported, never a reason for a 503.
    const replicas = this.replicas.report().map(({ name, state, lagSeconds }) => ({ name, state, lagSeconds }));
    return { postgres: 'up', redis: 'up', ...projectionHealth(statuses), ...(replicas.length > 0 && { replicas }) };
  }
}

/**
 * A stuck or failed projection does not make this process unready: readiness gates traffic to
 * this API process, every API process sees the same projections, and answering 503 would take
 * them all out of the load balancer — appends and the log would stop too, for a problem of the
 * read side. It is said in the answer instead (status "degraded"), and in the metrics.
 */
function projectionHealth(statuses: ProjectionStatus[] | null): Pick<Ready, 'status' | 'projections' | 'stuck' | 'detail'> {
  if (!statuses) return { status: 'degraded', projections: 'unknown', stuck: [], detail: 'the projections\' status could not be read in time' };
  const stuck = statuses.flatMap((s) =>
    s.partitions.filter((p) => p.status === 'stuck').map((p) => ({ projection: s.name, partition: p.partition, lagEvents: p.lagEvents, lagSeconds: p.lagSeconds, why: p.lastError })),
  );
  const failed = statuses.filter((s) => s.status === 'failed');
  if (stuck.length === 0 && failed.length === 0) return { status: 'ok', projections: 'ok', stuck: [] };
  const detail = [
    ...stuck.map((s) => `projection ${s.projection} partition ${s.partition} is stuck: ${s.why}`),
    ...failed.map((s) => `projection ${s.name} failed: ${s.lastError}`),
  ].join('; ');
  return { status: 'degraded', projections: stuck.length > 0 ? 'stuck' : 'failed', stuck: stuck.map(({ why: _, ...s }) => s), detail };
}
