import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Database, DATABASE, notMigratedMessage, pendingMigrations } from '@app/database';
import { ApiAnswer, ApiProblem } from '../openapi/api-docs.decorators';
import { LiveSchema, ReadySchema } from '../openapi/response-schemas';
import { Problem } from '../problems/problem';
import { ReplicaMonitor } from '../read-routing/replica-monitor';
import { RedisHealth } from './redis-health';

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);

type PostgresState = 'up' | 'down' | 'not migrated';

interface ReplicaReadiness {
  name: string;
  state: 'up' | 'lagging' | 'down';
  lagSeconds: number | null;
}

@ApiTags('service')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly redis: RedisHealth,
    private readonly replicas: ReplicaMonitor,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  @ApiAnswer(200, LiveSchema, 'up')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL (with the schema migrated) and Redis are reachable; replicas, if any, listed (a replica down is no 503: the primary answers its reads)' })
  @ApiAnswer(200, ReadySchema, 'both reachable (and each replica, up, lagging or down)')
  @ApiProblem(503, 'names the dependency that is down or the schema not migrated (body has postgres: up, down or "not migrated", and redis: up or down; Retry-After)')
  async ready(): Promise<{ status: 'ok'; postgres: 'up'; redis: 'up'; replicas?: ReplicaReadiness[] }> {
    // One small query proves both: PostgreSQL answers, and it has every migration applied.
    const [pending, redis] = await Promise.all([
      withTimeout(pendingMigrations(this.database.pool), 2_000).catch(() => null),
      withTimeout(this.redis.ping(), 2_000).then(() => true, () => false),
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
    return { status: 'ok', postgres: 'up', redis: 'up', ...(replicas.length > 0 && { replicas }) };
  }
}
