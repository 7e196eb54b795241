// Status of every projection and blue-green rebuilds (GET /v1/projections, POST .../rebuild).
import { Pool } from 'pg';
import { inTransaction } from '@app/database';
import { Queryable } from '@app/event-store';
import { currentGenerations, lockProjections } from './generations';
import { PROJECTION_NAMES, ProjectionName } from './registry';

export interface ProjectionStatus {
  name: ProjectionName;
  position: number;
  headPosition: number;
  lagEvents: number;
  /** Age of the oldest event not applied yet (0 when caught up): grows when a projection has stopped. */
  lagSeconds: number;
  status: 'live' | 'rebuilding' | 'failed';
  /** Why it failed, or why it is waiting (an event this release cannot read yet). */
  lastError: string | null;
  /** Set while waiting for a release that can read the log: retried with backoff, not failed. */
  retry: { attempts: number; nextRetryAt: string } | null;
  updatedAt: string;
  /** Progress of a rebuild under way. */
  rebuild: { generation: number; position: number } | null;
}

/** Status reads give up (and are cancelled in PostgreSQL) after this long. */
const STATUS_TIMEOUT_MS = 2_000;
/** Beyond this many events of lag, the lag is the distance to the head (positions have few holes). */
const EXACT_LAG_LIMIT = 100_000;

export class ProjectionAdmin {
  constructor(private readonly pool: Pool) {}

  async statuses(): Promise<ProjectionStatus[]> {
    // One snapshot for generations and head, so lag is never negative.
    return inTransaction(
      this.pool,
      async (client) => {
        const generations = await currentGenerations(client);
        const { rows } = await client.query<{ head: number | null }>('SELECT max(position) AS head FROM events');
        const head = rows[0].head ?? 0;
        // Projections usually share their position: measure the lag once per distinct one.
        const lags = new Map<number, { events: number; seconds: number }>();
        const statuses: ProjectionStatus[] = [];
        for (const name of PROJECTION_NAMES) {
          const live = generations.find((g) => g.name === name && g.state === 'live');
          const building = generations.find((g) => g.name === name && g.state === 'building');
          const position = live?.position ?? 0;
          if (!lags.has(position)) lags.set(position, await measureLag(client, position, head));
          const failed = live?.lastError ?? building?.lastError ?? null;
          const waiting = live?.waiting ?? building?.waiting ?? null;
          statuses.push({
            name,
            position,
            headPosition: head,
            lagEvents: lags.get(position)!.events,
            lagSeconds: lags.get(position)!.seconds,
            status: failed ? 'failed' : building ? 'rebuilding' : 'live',
            lastError: failed ?? waiting?.reason ?? null,
            retry: !failed && waiting ? { attempts: waiting.attempts, nextRetryAt: waiting.retryAt.toISOString() } : null,
            updatedAt: (building?.updatedAt ?? live?.updatedAt ?? new Date(0)).toISOString(),
            rebuild: building ? { generation: building.generation, position: building.position } : null,
          });
        }
        return statuses;
      },
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = ${STATUS_TIMEOUT_MS}`,
    );
  }

  /**
   * Starts a rebuild: a new generation from position 0, built beside the live one. A rebuild
   * already under way is kept (the request is answered the same); a failed one is replaced.
   */
  async requestRebuild(name: ProjectionName): Promise<{ generation: number; started: boolean }> {
    return inTransaction(this.pool, async (client) => {
      await lockProjections(client);
      const generations = await currentGenerations(client, name);
      const building = generations.find((g) => g.state === 'building');
      if (building && !building.lastError) return { generation: building.generation, started: false };
      if (building) {
        // A failed rebuild: retired (its rows are purged by the workers), then replaced.
        await client.query(`UPDATE projection_generations SET state = 'retired' WHERE name = $1 AND generation = $2`, [name, building.generation]);
      }
      const { rows } = await client.query<{ generation: number }>(
        `INSERT INTO projection_generations (name, generation, state)
         SELECT $1, max(generation) + 1, 'building' FROM projection_generations WHERE name = $1
         RETURNING generation`,
        [name],
      );
      return { generation: rows[0].generation, started: true };
    });
  }
}

/** Events after `position` and the age in seconds of the first of them (0 and 0 when caught up). */
async function measureLag(db: Queryable, position: number, head: number): Promise<{ events: number; seconds: number }> {
  if (position >= head) return { events: 0, seconds: 0 };
  const { rows } = await db.query<{ events: number; seconds: number | null }>(
    `SELECT CASE WHEN $2::bigint - $1 > ${EXACT_LAG_LIMIT} THEN $2::bigint - $1
                 ELSE (SELECT count(*) FROM events WHERE position > $1) END AS events,
            extract(epoch FROM now() - (SELECT recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT 1))::float8 AS seconds`,
    [position, head],
  );
  return { events: Number(rows[0].events), seconds: Math.max(0, Math.round((rows[0].seconds ?? 0) * 1000) / 1000) };
}
