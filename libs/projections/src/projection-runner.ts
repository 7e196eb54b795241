// Applies the log to the projections, exactly once and in order, one partition at a time.
//
// One step = one transaction for one partition of the log: take the partition's advisory
// lock, read its next batch of events after the checkpoint (once for every generation at
// that checkpoint — normally all of them), fold it per mission with each projection's pure
// fold, upsert the touched rows, move the partition's checkpoints, commit. Rows and
// checkpoints commit together, so a crash, a duplicated job or a second worker can never
// apply an event twice or skip one; a lost job only delays. All projections advance in the
// same transaction: one read of the log and one commit per batch instead of one per
// projection. Partitions hold disjoint missions, so steps of different partitions run in
// parallel and never touch the same rows; positions are handed out in commit order, so they
// follow it within a partition too.
import { Pool, PoolClient } from 'pg';
import { isCorrectionType, RecordedEvent } from '@app/domain';
import { EventLogReader, PartitionOf, RecordedPage, storedPartitions } from '@app/event-store';
import { inTransaction, prepared } from '@app/database';
import { beginStep, Checkpoint, isTransient, lockGenerations, stepCheckpoints } from './generations';
import { Projection } from './projection';
import { evolveAll, refoldMission } from './refold';
import { ProjectionName, PROJECTIONS } from './registry';
import { SqlParams } from './sql-params';
import { ProjectionStateCache } from './state-cache';

export const PROJECTION_ADVANCED_CHANNEL = 'projection_advanced';

/** The payload of a PROJECTION_ADVANCED_CHANNEL notification. */
export interface ProjectionAdvanced {
  name: ProjectionName;
  /** The partition whose live checkpoint moved (its missions' reads reflect `position`). */
  partition: number;
  position: number;
  /** The missions whose read model changed; absent when there were too many to list (or all may have). */
  missions?: string[];
}

export interface StepResult {
  /** Events applied, summed over generations. */
  applied: number;
  /** Some generation read a full batch: there may be more to apply. */
  fullBatch?: boolean;
  /** Generations that failed in this step (in the partition stepped). */
  failed: { name: string; generation: number; partition: number; error: string }[];
  /** Generations stopped at an event this code cannot read yet (retried with backoff). */
  waiting?: { name: string; generation: number; partition: number; reason: string }[];
}

/** Who runs it, and when, is the worker's catch-up trigger (apps/worker/src/catch-up-trigger.ts). */
export class ProjectionRunner {
  /** What this runner last wrote, so that its next step need not read it back. */
  private readonly cache = new ProjectionStateCache();

  constructor(
    private readonly pool: Pool,
    private readonly batchSize = 1000,
  ) {}

  /**
   * Steps a partition until a step finds less than a full batch: the partition was caught up
   * with when it read. (Whatever commits after that read is announced again, by NOTIFY and
   * by a nudge.) `carryOn` is asked between steps: a worker giving the partition up stops.
   */
  async catchUp(partition = 0, carryOn: () => boolean = () => true): Promise<StepResult> {
    const total: StepResult = { applied: 0, failed: [] };
    for (;;) {
      const step = await this.step(partition);
      total.applied += step.applied;
      total.failed.push(...step.failed);
      if (step.waiting?.length) total.waiting = step.waiting;
      if (!step.fullBatch || !carryOn()) return total;
    }
  }

  /** Catches up every partition of the stored count, one after another (tools and tests). */
  async catchUpAll(): Promise<StepResult> {
    const total: StepResult = { applied: 0, failed: [] };
    const partitions = await storedPartitions(this.pool);
    for (let partition = 0; partition < partitions; partition++) {
      const result = await this.catchUp(partition);
      total.applied += result.applied;
      total.failed.push(...result.failed);
      if (result.waiting?.length) total.waiting = [...(total.waiting ?? []), ...result.waiting];
    }
    return total;
  }

  /**
   * Deletes the rows of retired generations (replaced by a rebuild), a chunk per transaction,
   * outside the projections' lock, then forgets the generation. Reads never see these rows.
   */
  async purgeRetired(chunk = 20_000): Promise<number> {
    const { rows } = await this.pool.query<{ name: keyof typeof PROJECTIONS; generation: number }>(
      `SELECT name, generation FROM projection_generations WHERE state = 'retired'`,
    );
    let deleted = 0;
    for (const { name, generation } of rows) {
      for (const table of PROJECTIONS[name].tables) {
        for (;;) {
          const { rowCount } = await this.pool.query(
            `DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE generation = $1 LIMIT $2))`,
            [generation, chunk],
          );
          deleted += rowCount ?? 0;
          if (!rowCount) break;
        }
      }
      await this.pool.query(`DELETE FROM projection_generations WHERE name = $1 AND generation = $2 AND state = 'retired'`, [name, generation]);
    }
    return deleted;
  }

  /** One step of one partition (0 when the log has one). */
  async step(partition = 0): Promise<StepResult> {
    try {
      return await this.transact(partition, false);
    } catch (error) {
      if (isTransient(error)) throw error;
      // Something no fold saw coming (a row PostgreSQL refuses): redo the step with a
      // savepoint per projection, to fail only the projection at fault.
      return this.transact(partition, true);
    }
  }

  private async transact(partition: number, isolate: boolean): Promise<StepResult> {
    // What this step wrote, for the cache once it has committed.
    const written: { generation: Checkpoint; from: number; states: Map<string, unknown> }[] = [];
    const result = await inTransaction(
      this.pool,
      async (client, begun) => {
        const { partitions, checkpoints: generations } = stepCheckpoints(begun);
        this.cache.keepOnly(partitions, partition, generations);
        // A partition the stored count does not have (a worker started before a re-partition): nothing to do.
        if (partition >= partitions) return { applied: 0, failed: [] };
        const of: PartitionOf = { partition, partitions };
        const batches = new Map<number, RecordedPage | { error: string }>();
        const result: StepResult = { applied: 0, failed: [] };
        const advanced: Advanced[] = [];
        const waiting: Waiting[] = [];
        const recovered: Checkpoint[] = [];
        // Generations that applied everything there was, with no error: only these may go live.
        const caughtUp = new Set<Checkpoint>();
        // Everything the step writes, sent at the end as one statement (see writeStep).
        const params = new SqlParams();
        const writes: string[] = [];
        // Logs of missions a correction reached, read once for every projection of the step.
        const logs = new MissionLogs(client);
        // A failed generation waits for a rebuild; a waiting one for its next retry.
        for (const generation of generations.filter((g) => g.lastError === null && g.due)) {
          if (!batches.has(generation.position)) batches.set(generation.position, await readBatch(client, generation.position, this.batchSize, of));
          const batch = batches.get(generation.position)!;
          if ('error' in batch) {
            result.failed.push({ name: generation.name, generation: generation.generation, partition, error: batch.error });
            continue;
          }
          const { events, unreadable, seenThrough } = batch;
          const from = generation.position;
          let missionIds: string[] = [];
          let states = new Map<string, unknown>();
          if (events.length > 0) {
            const cached = this.cache.valid(generation.name, generation.generation, partition, from);
            const applied = await foldBatch(client, PROJECTIONS[generation.name], generation.generation, events, isolate ? new SqlParams() : params, cached, logs);
            const error = 'error' in applied ? applied.error : isolate ? await writeIsolated(client, applied.writes) : null;
            if (error || 'error' in applied) {
              result.failed.push({ name: generation.name, generation: generation.generation, partition, error: describeFailure(events, error) });
              continue;
            }
            if (!isolate) writes.push(...applied.writes.statements);
            missionIds = applied.missionIds;
            states = applied.states;
            result.applied += events.length;
          }
          // A partition's checkpoint moves through the whole log, not only its own events: to
          // the head its read saw when nothing of it was left (so minPosition of any write is
          // reached in every partition, and a caught-up projection is at the head).
          const reached = Math.max(generation.position, events.at(-1)?.position ?? 0, seenThrough ?? 0);
          if (reached > generation.position) {
            generation.position = reached;
            advanced.push({ generation, missionIds });
            written.push({ generation, from, states: asWritten(PROJECTIONS[generation.name], states) });
          }
          if (unreadable) {
            waiting.push({ generation, reason: `event at position ${unreadable.position}: ${unreadable.reason}; waiting for a release that can read it` });
          } else {
            if (generation.waiting) recovered.push(generation);
            if (batch.rows < this.batchSize) caughtUp.add(generation);
            else result.fullBatch = true;
          }
        }
        await writeStep(client, partition, writes, params, advanced);
        await recordFailures(client, generations, result.failed);
        await recordWaiting(client, waiting, recovered);
        result.waiting = waiting.map((w) => ({ name: w.generation.name, generation: w.generation.generation, partition, reason: w.reason }));
        for (const name of new Set(generations.map((g) => g.name))) {
          await switchOverIfRebuilt(client, PROJECTIONS[name], generations.filter((g) => g.name === name), caughtUp);
        }
        return result;
      },
      beginStep(partition), // BEGIN, the lock and the checkpoints in one round trip (this runs after every append)
    );
    for (const { generation, from, states } of written) {
      if (!PROJECTIONS[generation.name].appendOnly) this.cache.committed(generation.name, generation.generation, partition, from, generation.position, states);
    }
    return result;
  }
}

interface Advanced {
  generation: Checkpoint;
  /** Missions whose rows the step changed (told to live readers, see writeStep). */
  missionIds: string[];
}

interface Waiting {
  generation: Checkpoint;
  reason: string;
}

/** The states as their rows hold them once this step commits (what the cache keeps). */
function asWritten<S>(projection: Projection<S>, states: Map<string, S>): Map<string, S> {
  const written = projection.written;
  if (!written || states.size === 0) return states;
  return new Map([...states].map(([missionId, state]) => [missionId, written(state)]));
}

/** The partition's next events; a page that cannot be read at all fails every generation at that position. */
async function readBatch(client: PoolClient, after: number, limit: number, partition: PartitionOf): Promise<RecordedPage | { error: string }> {
  try {
    return await new EventLogReader(client).recordedEventsAfter(after, limit, partition);
  } catch (error) {
    if (isTransient(error)) throw error;
    return { error: `events after position ${after}: ${(error as Error)?.message ?? error}` };
  }
}

/** Mission logs up to a position, each read once per step (see refold.ts). */
class MissionLogs {
  private readonly read = new Map<string, Promise<RecordedEvent[]>>();
  constructor(private readonly client: PoolClient) {}

  through(missionId: string, position: number): Promise<RecordedEvent[]> {
    const key = `${missionId}\u0000${position}`;
    let log = this.read.get(key);
    if (!log) this.read.set(key, (log = new EventLogReader(this.client).missionLog(missionId, position)));
    return log;
  }
}

/**
 * Folds the batch's events this projection handles, per mission, into the statements that
 * write each touched mission's rows once (events it ignores would leave its state as it
 * is). A mission with a correction in the batch is folded again from its whole log up to
 * the batch's last event of it, whatever the projection handles: a correction changes the
 * past. A fold that throws (a poison event) fails this projection only; nothing of it is
 * written.
 */
async function foldBatch<S>(
  client: PoolClient,
  projection: Projection<S>,
  generation: number,
  events: RecordedEvent[],
  params: SqlParams,
  cached: Map<string, unknown> | undefined,
  logs: MissionLogs,
): Promise<{ writes: { statements: string[]; params: SqlParams }; missionIds: string[]; states: Map<string, S> } | { error: unknown }> {
  const corrected = new Map<string, RecordedEvent>();
  for (const event of events) if (isCorrectionType(event.type) || corrected.has(event.missionId)) corrected.set(event.missionId, event);
  const handled = events.filter((event) => !corrected.has(event.missionId) && projection.handles.has(event.type));
  const missionIds = [...new Set(handled.map((e) => e.missionId))];
  const states = await loadStates(client, projection, generation, missionIds, projection.appendOnly ? undefined : (cached as Map<string, S> | undefined));
  const touched = new Map<string, S>();
  const byMission = new Map<string, RecordedEvent[]>();
  for (const event of handled) {
    const events = byMission.get(event.missionId);
    if (events) events.push(event);
    else byMission.set(event.missionId, [event]);
  }
  for (const [missionId, missionEvents] of byMission) {
    const current = states.get(missionId) ?? projection.initial();
    try {
      touched.set(missionId, evolveAll(projection, current, missionEvents));
    } catch (error) {
      return { error: poisonIn(projection, current, missionEvents, error) };
    }
  }
  for (const [missionId, last] of corrected) {
    try {
      touched.set(missionId, refoldMission(projection, await logs.through(missionId, last.position)));
    } catch (error) {
      if (isTransient(error)) throw error;
      return { error: new PoisonEventError(last, error) };
    }
  }
  const refolded = new Set(corrected.keys());
  const statements = touched.size > 0 ? projection.writes(generation, touched, params, refolded) : [];
  return { writes: { statements, params }, missionIds: [...missionIds, ...refolded], states: touched };
}

/**
 * The missions' current states: those this runner wrote and still holds (see state-cache.ts),
 * the others from the tables (missions without rows are left out: their state is initial).
 */
async function loadStates<S>(client: PoolClient, projection: Projection<S>, generation: number, missionIds: string[], cached?: Map<string, S>): Promise<Map<string, S>> {
  const missing = cached ? missionIds.filter((id) => !cached.has(id)) : missionIds;
  const states = missing.length > 0 ? await projection.load(client, generation, missing) : new Map<string, S>();
  if (cached) for (const id of missionIds) if (cached.has(id)) states.set(id, cached.get(id)!);
  return states;
}

/** One projection's writes behind a savepoint, so a write PostgreSQL refuses fails only it. */
async function writeIsolated(client: PoolClient, writes: { statements: string[]; params: SqlParams }): Promise<unknown> {
  await client.query('SAVEPOINT projection');
  try {
    if (writes.statements.length > 0) await client.query(asOneStatement(writes.statements, 'SELECT 1'), writes.params.values);
    await client.query('RELEASE SAVEPOINT projection');
    return null;
  } catch (error) {
    if (isTransient(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT projection');
    return error;
  }
}

/** Data-modifying CTEs all run, whether or not the final SELECT reads them. */
const asOneStatement = (statements: string[], final: string) =>
  statements.length === 0 ? final : `WITH ${statements.map((sql, i) => `w${i} AS (${sql})`).join(',\n')}\n${final}`;

/**
 * The rows of every projection, the new checkpoints and the NOTIFY of the live ones that
 * moved: one statement, one round trip (a step runs after every append). The NOTIFY names
 * the missions that changed (when they are few), so live viewers re-read only those.
 */
async function writeStep(client: PoolClient, partition: number, writes: string[], params: SqlParams, advanced: Advanced[]): Promise<void> {
  if (advanced.length === 0) return;
  const moved = advanced.map((a) => a.generation);
  const checkpoint = `UPDATE projection_checkpoints c SET position = u.position, updated_at = now()
    FROM unnest(${params.add(moved.map((g) => g.name))}::text[], ${params.add(moved.map((g) => g.generation))}::int[],
      ${params.add(moved.map((g) => g.position))}::bigint[]) AS u(name, generation, position)
    WHERE c.name = u.name AND c.generation = u.generation AND c.partition = ${params.add(partition)}::smallint`;
  const live = advanced.filter((a) => a.generation.state === 'live').map((a) => advancedPayload(a));
  const notify = `SELECT pg_notify('${PROJECTION_ADVANCED_CHANNEL}', n) FROM unnest(${params.add(live)}::text[]) AS n`;
  await client.query(prepared(asOneStatement([...writes, checkpoint], notify)), params.values);
}

/** At most this many mission ids in a NOTIFY (payloads are limited to 8000 bytes); more means "any". */
const MAX_NOTIFIED_MISSIONS = 64;

/** `{"name","partition","position","missions"?}`: see ProjectionAdvanced. */
function advancedPayload({ generation, missionIds }: Advanced): string {
  const missions = missionIds.length <= MAX_NOTIFIED_MISSIONS ? missionIds : undefined;
  return JSON.stringify({ name: generation.name, partition: generation.partition, position: generation.position, missions } satisfies ProjectionAdvanced);
}

/** Which of a mission's events a failed fold choked on: they are folded one by one again to find it. */
function poisonIn<S>(projection: Projection<S>, state: S, events: RecordedEvent[], error: unknown): PoisonEventError {
  for (const event of events) {
    try {
      state = projection.evolve(state, event);
    } catch (cause) {
      return new PoisonEventError(event, cause);
    }
  }
  return new PoisonEventError(events[events.length - 1], error);
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

/**
 * A poison event: recorded, and the generation stops advancing in this partition instead of
 * retrying forever. A rebuild (after a fix) starts a fresh generation. The failure of a
 * building generation is recorded under its row lock, so that a switch-over deciding in
 * another partition at the same time sees it (or comes first, and the failure is then the
 * live generation's).
 */
async function recordFailures(client: PoolClient, checkpoints: Checkpoint[], failed: StepResult['failed']): Promise<void> {
  for (const failure of failed) {
    const building = checkpoints.some((c) => c.name === failure.name && c.generation === failure.generation && c.state === 'building');
    if (building) await lockGenerations(client, failure.name as ProjectionName);
    await client.query(
      'UPDATE projection_checkpoints SET last_error = $4, updated_at = now() WHERE name = $1 AND generation = $2 AND partition = $3',
      [failure.name, failure.generation, failure.partition, failure.error],
    );
  }
}

/** Retry delay after the n-th attempt to read an unreadable event: 1 s, 2 s, 4 s ... 60 s. */
export const waitingBackoffSeconds = (attempts: number): number => Math.min(60, 2 ** Math.max(0, attempts - 1));

/**
 * Checkpoints stopped at an event this code cannot read: the reason, the attempt count and
 * the next retry, which the step skips them until. Those that could read on are cleared.
 */
async function recordWaiting(client: PoolClient, waiting: Waiting[], recovered: Checkpoint[]): Promise<void> {
  for (const { generation, reason } of waiting) {
    const attempts = (generation.waiting?.attempts ?? 0) + 1;
    await client.query(
      `UPDATE projection_checkpoints SET waiting_reason = $4, waiting_attempts = $5,
         retry_at = now() + make_interval(secs => $6), updated_at = now()
       WHERE name = $1 AND generation = $2 AND partition = $3`,
      [generation.name, generation.generation, generation.partition, reason, attempts, waitingBackoffSeconds(attempts)],
    );
  }
  for (const generation of recovered) {
    await client.query(
      `UPDATE projection_checkpoints SET waiting_reason = NULL, waiting_attempts = 0, retry_at = NULL
       WHERE name = $1 AND generation = $2 AND partition = $3`,
      [generation.name, generation.generation, generation.partition],
    );
  }
}

/**
 * A building generation that applied the whole of this partition in this step, with no
 * error, becomes live in this same transaction when in every partition it is at least as far
 * as the live one and has not failed. Readers see the old complete state until the commit
 * and the new complete state after it. (Steps keep building >= live once it holds, so what
 * the other partitions have committed is enough to decide on.) Under the generations' row
 * lock: two partitions deciding at once switch once, and a failure being recorded elsewhere
 * is seen. A generation that failed never goes live: the last good state keeps answering. A
 * failed live generation is still compared with (and replaced by a rebuild that gets past
 * it: that is the repair).
 */
async function switchOverIfRebuilt<S>(client: PoolClient, projection: Projection<S>, checkpoints: Checkpoint[], caughtUp: Set<Checkpoint>): Promise<void> {
  const building = checkpoints.find((g) => g.state === 'building');
  if (!building || building.lastError !== null || !caughtUp.has(building)) return;
  const live = checkpoints.find((g) => g.state === 'live');
  if (live && building.position < live.position) return;
  await lockGenerations(client, projection.name as ProjectionName);
  // A statement after the lock: a fresh snapshot (READ COMMITTED) of every partition.
  const { rows } = await client.query<{ ready: boolean }>(
    `SELECT g.state = 'building' AND bool_and(b.last_error IS NULL AND b.position >= coalesce(l.position, 0))
            AND count(*) = log_partition_count() AS ready
     FROM projection_generations g
     JOIN projection_checkpoints b ON b.name = g.name AND b.generation = g.generation
     LEFT JOIN projection_generations lg ON lg.name = g.name AND lg.state = 'live'
     LEFT JOIN projection_checkpoints l ON l.name = lg.name AND l.generation = lg.generation AND l.partition = b.partition
     WHERE g.name = $1 AND g.generation = $2
     GROUP BY g.state`,
    [projection.name, building.generation],
  );
  if (!rows[0]?.ready) return;
  await client.query(`UPDATE projection_generations SET state = 'retired', updated_at = now() WHERE name = $1 AND state = 'live' AND generation <> $2`, [
    projection.name,
    building.generation,
  ]);
  await client.query(`UPDATE projection_generations SET state = 'live', updated_at = now() WHERE name = $1 AND generation = $2 AND state = 'building'`, [
    projection.name,
    building.generation,
  ]);
  // Every partition's reads now reflect the new generation: wake minPosition waiters and
  // live viewers of all of them (no mission list: any may have changed).
  await client.query(
    `SELECT pg_notify('${PROJECTION_ADVANCED_CHANNEL}', json_build_object('name', name, 'partition', partition, 'position', position)::text)
     FROM projection_checkpoints WHERE name = $1 AND generation = $2`,
    [projection.name, building.generation],
  );
  // The retired generation's rows are deleted later, in small transactions (purgeRetired):
  // deleting a whole generation here would hold the lock for seconds.
  building.state = 'live';
  if (live) live.state = 'retired';
}
