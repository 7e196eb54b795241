// Status of every projection and blue-green rebuilds (GET /v1/projections, POST .../rebuild).
import { Pool } from 'pg';
import { inSnapshot, inTransaction } from '@app/database';
import { currentGenerations, lockProjections } from './generations';
import { PROJECTION_NAMES, ProjectionName } from './projection';

export interface ProjectionStatus {
  name: ProjectionName;
  position: number;
  headPosition: number;
  lagEvents: number;
  status: 'live' | 'rebuilding' | 'failed';
  lastError: string | null;
  updatedAt: string;
  /** Progress of a rebuild under way. */
  rebuild: { generation: number; position: number } | null;
}

export class ProjectionAdmin {
  constructor(private readonly pool: Pool) {}

  async statuses(): Promise<ProjectionStatus[]> {
    // One snapshot for generations and head, so lag is never negative.
    return inSnapshot(this.pool, async (client) => {
      const generations = await currentGenerations(client);
      const { rows } = await client.query<{ head: number | null }>('SELECT max(position) AS head FROM events');
      const head = rows[0].head ?? 0;
      const statuses: ProjectionStatus[] = [];
      // Projections usually share their position: count the lag once per distinct one.
      const lags = new Map<number, number>();
      for (const name of PROJECTION_NAMES) {
        const live = generations.find((g) => g.name === name && g.state === 'live');
        const building = generations.find((g) => g.name === name && g.state === 'building');
        const position = live?.position ?? 0;
        if (!lags.has(position)) {
          const lag = await client.query<{ lag: number }>('SELECT count(*)::int AS lag FROM events WHERE position > $1', [position]);
          lags.set(position, lag.rows[0].lag);
        }
        const failed = live?.lastError ?? building?.lastError ?? null;
        statuses.push({
          name,
          position,
          headPosition: head,
          lagEvents: lags.get(position)!,
          status: failed ? 'failed' : building ? 'rebuilding' : 'live',
          lastError: failed,
          updatedAt: (building?.updatedAt ?? live?.updatedAt ?? new Date(0)).toISOString(),
          rebuild: building ? { generation: building.generation, position: building.position } : null,
        });
      }
      return statuses;
    });
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
