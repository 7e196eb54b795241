import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Database, DATABASE } from '@app/database';
import { ApiAnswer, ApiProblem } from '../openapi/api-docs.decorators';
import { LiveSchema, ReadySchema } from '../openapi/response-schemas';
import { Problem } from '../problems/problem';
import { RedisHealth } from './redis-health';

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);

@ApiTags('service')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly redis: RedisHealth,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'The process is up' })
  @ApiAnswer(200, LiveSchema, 'up')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'PostgreSQL and Redis are reachable' })
  @ApiAnswer(200, ReadySchema, 'both reachable')
  @ApiProblem(503, 'names the dependency that is down (body has postgres and redis: up or down; Retry-After)')
  async ready(): Promise<{ status: 'ok'; postgres: 'up'; redis: 'up' }> {
    const [postgres, redis] = await Promise.all([
      withTimeout(this.database.pool.query('SELECT 1'), 2_000).then(() => true, () => false),
      withTimeout(this.redis.ping(), 2_000).then(() => true, () => false),
    ]);
    if (!postgres || !redis) {
      const down = [!postgres && 'PostgreSQL', !redis && 'Redis'].filter(Boolean).join(' and ');
      throw new Problem(503, 'not-ready', `${down} unreachable`, { postgres: postgres ? 'up' : 'down', redis: redis ? 'up' : 'down' }, { 'Retry-After': '5' });
    }
    return { status: 'ok', postgres: 'up', redis: 'up' };
  }
}
