// Applies the log to the projections, exactly once and in order.
//
// One step = one transaction: take the projections' advisory lock, read the next batch of
// events after the checkpoint (once for every generation at that checkpoint — normally all
// of them), fold it per mission with each projection's pure fold, upsert the touched rows,
// move the checkpoints, commit. Rows and checkpoints commit together, so a crash, a
// duplicated job or a second worker can never apply an event twice or skip one; a lost job
// only delays. All projections advance in the same transaction: one read of the log and one
// commit per batch instead of one per projection.
import { Pool, PoolClient } from 'pg';
import { RecordedEvent } from '@app/domain';
import { readRecordedEventsAfter } from '@app/event-store';
import { currentGenerations, Generation, isTransient, lockProjections } from './generations';
import { Projection } from './projection';
import { PROJECTIONS } from './registry';

export const PROJECTION_ADVANCED_CHANNEL = 'projection_advanced';

export interface StepResult {
  /** Events applied, summed over generations. */
  applied: number;
  /** Generations that failed in this step. */
  failed: { name: string; generation: number; error: string }[];
}

export class ProjectionRunner {
  private running = 0;

  constructor(
    private readonly pool: Pool,
    private readonly batchSize = 1000,
  ) {}

  /** True while a catch-up runs in this process. */
  get busy(): boolean {
    return this.running > 0;
  }

  /** Steps until there is nothing left to apply. */
  async catchUp(): Promise<StepResult> {
    const total: StepResult = { applied: 0, failed: [] };
    this.running++;
    try {
      for (;;) {
        const step = await this.step();
        total.applied += step.applied;
        total.failed.push(...step.failed);
        if (step.applied === 0) return total;
      }
    } finally {
      this.running--;
    }
  }

  async step(): Promise<StepResult> {
    try {
      return await this.transact(false);
    } catch (error) {
      if (isTransient(error)) throw error;
      // Something no fold saw coming (a row PostgreSQL refuses): redo the step with a
      // savepoint per projection, to fail only the projection at fault.
      return this.transact(true);
    }
  }

  private async transact(isolate: boolean): Promise<StepResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await lockProjections(client);
      const generations = (await currentGenerations(client)).filter((g) => g.lastError === null);
      const batches = new Map<number, RecordedEvent[] | { error: string }>();
      const result: StepResult = { applied: 0, failed: [] };
      const advanced: Generation[] = [];
      const caughtUp = new Set<Generation>();
      for (const generation of generations) {
        if (!batches.has(generation.position)) batches.set(generation.position, await readBatch(client, generation.position, this.batchSize));
        const batch = batches.get(generation.position)!;
        if (!Array.isArray(batch)) {
          result.failed.push({ name: generation.name, generation: generation.generation, error: batch.error });
          continue;
        }
        const events = batch;
        if (events.length < this.batchSize) caughtUp.add(generation);
        if (events.length === 0) continue;
        const error = await applyBatch(client, PROJECTIONS[generation.name], generation.generation, events, isolate);
        if (error) {
          result.failed.push({ name: generation.name, generation: generation.generation, error: describeFailure(events, error) });
          continue;
        }
        generation.position = events[events.length - 1].position;
        advanced.push(generation);
        result.applied += events.length;
      }
      await saveCheckpoints(client, advanced, result.failed);
      for (const name of new Set(generations.map((g) => g.name))) {
        await switchOverIfRebuilt(client, PROJECTIONS[name], generations.filter((g) => g.name === name), caughtUp);
      }
      const live = advanced.filter((g) => g.state === 'live');
      if (live.length > 0) {
        await client.query('SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n', [
          PROJECTION_ADVANCED_CHANNEL,
          live.map((g) => JSON.stringify({ name: g.name, position: g.position })),
        ]);
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** The next events; one that cannot be read (an unknown type, say) fails every generation at that position. */
async function readBatch(client: PoolClient, after: number, limit: number): Promise<RecordedEvent[] | { error: string }> {
  try {
    return await readRecordedEventsAfter(client, after, limit);
  } catch (error) {
    if (isTransient(error)) throw error;
    return { error: `events after position ${after}: ${(error as Error)?.message ?? error}` };
  }
}

/**
 * Folds a batch per mission and writes each touched mission's rows once. A fold that throws
 * (a poison event) fails this projection only; nothing of it was written yet. With
 * `isolate`, a savepoint also confines a write that PostgreSQL refuses.
 */
async function applyBatch<S>(
  client: PoolClient,
  projection: Projection<S>,
  generation: number,
  events: RecordedEvent[],
  isolate: boolean,
): Promise<unknown> {
  const missionIds = [...new Set(events.map((e) => e.missionId))];
  if (isolate) await client.query('SAVEPOINT projection');
  try {
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
    if (isolate) await client.query('RELEASE SAVEPOINT projection');
    return null;
  } catch (error) {
    if (isTransient(error)) throw error;
    if (isolate) await client.query('ROLLBACK TO SAVEPOINT projection');
    else if (!(error instanceof PoisonEventError)) throw error; // the transaction is aborted: redo isolated
    return error;
  }
}

class PoisonEventError extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly cause: unknown,
  ) {
    super(`event at position ${event.position} (${event.type}, ${event.missionId} v${event.version}): ${(cause as Error)?.message ?? cause}`);
  }
}

function describeFailure(events: RecordedEvent[], error: unknown): string {
  if (error instanceof PoisonEventError) return error.message;
  return `positions ${events[0].position}-${events[events.length - 1].position}: ${(error as Error)?.message ?? error}`;
}

/** New checkpoints and new failures, in one statement each. */
async function saveCheckpoints(client: PoolClient, advanced: Generation[], failed: StepResult['failed']): Promise<void> {
  if (advanced.length > 0) {
    await client.query(
      `UPDATE projection_generations g SET position = u.position, updated_at = now()
       FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(name, generation, position)
       WHERE g.name = u.name AND g.generation = u.generation`,
      [advanced.map((g) => g.name), advanced.map((g) => g.generation), advanced.map((g) => g.position)],
    );
  }
  // A poison event: recorded, and the generation stops advancing instead of retrying forever.
  // A rebuild (after a fix) starts a fresh generation.
  for (const failure of failed) {
    await client.query('UPDATE projection_generations SET last_error = $3, updated_at = now() WHERE name = $1 AND generation = $2', [
      failure.name,
      failure.generation,
      failure.error,
    ]);
  }
}

/**
 * A building generation that has caught up with the log (and with the live one) becomes live
 * in this same transaction; the old generation's rows go with it. Readers see the old
 * complete state until the commit and the new complete state after it.
 */
async function switchOverIfRebuilt<S>(client: PoolClient, projection: Projection<S>, generations: Generation[], caughtUp: Set<Generation>): Promise<void> {
  const building = generations.find((g) => g.state === 'building');
  if (!building || !caughtUp.has(building)) return;
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
