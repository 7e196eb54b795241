// Applies the log to a projection, exactly once and in order.
//
// One step = one transaction: take the projection's advisory lock, read the next batch of
// events after each generation's checkpoint, fold them per mission, upsert the touched rows,
// move the checkpoint, commit. Rows and checkpoint commit together, so a crash, a duplicated
// job or a second worker can never apply an event twice or skip one; a lost job only delays.
import { Pool, PoolClient } from 'pg';
import { RecordedEvent } from '@app/domain';
import { readEventsAfter } from '@app/event-store';
import { currentGenerations, Generation, isTransient, lockProjection } from './generations';
import { Projection, ProjectionName } from './projection';
import { PROJECTIONS } from './registry';

export const PROJECTION_ADVANCED_CHANNEL = 'projection_advanced';

export interface CatchUpResult {
  applied: number;
  position: number | null;
  failed: boolean;
}

export class ProjectionRunner {
  constructor(
    private readonly pool: Pool,
    private readonly batchSize = 1000,
  ) {}

  /** Steps until the projection has nothing left to apply (or has failed). */
  async catchUp(name: ProjectionName): Promise<CatchUpResult> {
    let applied = 0;
    for (;;) {
      const step = await this.step(name);
      applied += step.applied;
      if (step.failed || step.applied === 0) return { ...step, applied };
    }
  }

  async step(name: ProjectionName): Promise<CatchUpResult> {
    const projection = PROJECTIONS[name];
    const client = await this.pool.connect();
    let failing = null as { generation: Generation; error: string } | null;
    try {
      await client.query('BEGIN');
      await lockProjection(client, name);
      const generations = (await currentGenerations(client, name)).filter((g) => g.lastError === null);
      let applied = 0;
      const caughtUp = new Set<number>();
      for (const generation of generations) {
        let events: RecordedEvent[] = [];
        try {
          events = await readEventsAfter(client, generation.position, this.batchSize);
          if (events.length < this.batchSize) caughtUp.add(generation.generation);
          if (events.length === 0) continue;
          await applyBatch(client, projection, generation.generation, events);
        } catch (error) {
          if (isTransient(error)) throw error;
          failing = { generation, error: describeFailure(generation.position, events, error) };
          throw error;
        }
        generation.position = events[events.length - 1].position;
        await client.query(
          'UPDATE projection_generations SET position = $3, updated_at = now() WHERE name = $1 AND generation = $2',
          [name, generation.generation, generation.position],
        );
        applied += events.length;
      }
      await switchOverIfRebuilt(client, projection, generations, caughtUp);
      const live = generations.find((g) => g.state === 'live');
      if (applied > 0 && live) {
        await client.query('SELECT pg_notify($1, $2)', [PROJECTION_ADVANCED_CHANNEL, JSON.stringify({ name, position: live.position })]);
      }
      await client.query('COMMIT');
      return { applied, position: live?.position ?? null, failed: false };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (!failing) throw error;
      // A poison event: record it and stop, instead of retrying forever. A rebuild (after a
      // fix) starts a fresh generation.
      await this.pool.query(
        'UPDATE projection_generations SET last_error = $3, updated_at = now() WHERE name = $1 AND generation = $2',
        [name, failing.generation.generation, failing.error],
      );
      return { applied: 0, position: failing.generation.position, failed: true };
    } finally {
      client.release();
    }
  }
}

/** Folds a batch per mission and writes each touched mission's rows once. */
async function applyBatch<S>(client: PoolClient, projection: Projection<S>, generation: number, events: RecordedEvent[]): Promise<void> {
  const missionIds = [...new Set(events.map((e) => e.missionId))];
  const states = await projection.load(client, generation, missionIds);
  const touched = new Map<string, S>();
  for (const event of events) {
    const current = touched.get(event.missionId) ?? states.get(event.missionId) ?? projection.initial();
    try {
      touched.set(event.missionId, projection.evolve(current, event));
    } catch (error) {
      throw new PoisonEventError(event, error);
    }
  }
  await projection.save(client, generation, touched);
}

class PoisonEventError extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly cause: unknown,
  ) {
    super(`event at position ${event.position} (${event.type}, ${event.missionId} v${event.version}): ${(cause as Error)?.message ?? cause}`);
  }
}

function describeFailure(after: number, events: RecordedEvent[], error: unknown): string {
  if (error instanceof PoisonEventError) return error.message;
  const range = events.length > 0 ? `positions ${events[0].position}-${events[events.length - 1].position}` : `events after position ${after}`;
  return `${range}: ${(error as Error)?.message ?? error}`;
}

/**
 * A building generation that has caught up with the log (and with the live one) becomes live
 * in this same transaction; the old generation's rows go with it. Readers see the old
 * complete state until the commit and the new complete state after it.
 */
async function switchOverIfRebuilt<S>(
  client: PoolClient,
  projection: Projection<S>,
  generations: Generation[],
  caughtUp: Set<number>,
): Promise<void> {
  const building = generations.find((g) => g.state === 'building');
  if (!building || !caughtUp.has(building.generation)) return;
  const live = generations.find((g) => g.state === 'live');
  if (live && building.position < live.position) return;
  const { rows: retired } = await client.query<{ generation: number }>(
    `UPDATE projection_generations SET state = 'retired', updated_at = now() WHERE name = $1 AND state = 'live' RETURNING generation`,
    [projection.name],
  );
  await client.query(`UPDATE projection_generations SET state = 'live', updated_at = now() WHERE name = $1 AND generation = $2`, [
    projection.name,
    building.generation,
  ]);
  for (const { generation } of retired) {
    for (const table of projection.tables) await client.query(`DELETE FROM ${table} WHERE generation = $1`, [generation]);
  }
  building.state = 'live';
  if (live) live.state = 'retired';
}
