// Status of every projection and blue-green rebuilds (GET /v1/projections, POST .../rebuild).
import { Pool } from 'pg';
import { inTransaction } from '@app/database';
import { EventLogReader, LogLag } from '@app/event-store';
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

export class ProjectionAdmin {
  constructor(private readonly pool: Pool) {}

  async statuses(): Promise<ProjectionStatus[]> {
    // One snapshot for generations and head, so lag is never negative.
    return inTransaction(
      this.pool,
      async (client) => {
        const generations = await currentGenerations(client);
        const log = new EventLogReader(client);
        const head = await log.headPosition();
        // Projections usually share their position: measure the lag once per distinct one.
        const lags = new Map<number, LogLag>();
        const statuses: ProjectionStatus[] = [];
        for (const name of PROJECTION_NAMES) {
          const live = generations.find((g) => g.name === name && g.state === 'live');
          const building = generations.find((g) => g.name === name && g.state === 'building');
          const position = live?.position ?? 0;
          if (!lags.has(position)) lags.set(position, await log.lagAfter(position, head));
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
