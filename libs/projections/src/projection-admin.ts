// Status of every projection and blue-green rebuilds (GET /v1/projections, POST .../rebuild).
import { Pool } from 'pg';
import { inTransaction } from '@app/database';
import { EventLogReader, LogLag, storedPartitions } from '@app/event-store';
import { Checkpoint, currentCheckpoints, lockGenerations } from './generations';
import { partitionOwners } from './partition-ownership';
import { PROJECTION_NAMES, ProjectionName } from './registry';

/** One partition of a projection's live generation. */
export interface PartitionStatus {
  partition: number;
  position: number;
  lagEvents: number;
  lagSeconds: number;
  /**
   * live: advancing or caught up; waiting: at an event this release cannot read (retried);
   * failed: a poison event; stuck: events wait and the checkpoint has not moved for longer
   * than the stuck threshold (its worker is not stepping it).
   */
  status: 'live' | 'waiting' | 'failed' | 'stuck';
  lastError: string | null;
  /** The worker that says it owns the partition (from its heartbeat), if any. */
  owner: string | null;
}

export interface ProjectionStatus {
  name: ProjectionName;
  /** The lowest position over the partitions. */
  position: number;
  headPosition: number;
  /** Summed over the partitions. */
  lagEvents: number;
  /** Age of the oldest event not applied yet, the largest over the partitions (0 when caught up): grows when a projection has stopped. */
  lagSeconds: number;
  status: 'live' | 'rebuilding' | 'failed';
  /** Why it failed, or why it is waiting (an event this release cannot read yet). */
  lastError: string | null;
  /** Set while waiting for a release that can read the log: retried with backoff, not failed. */
  retry: { attempts: number; nextRetryAt: string } | null;
  updatedAt: string;
  /** Progress of a rebuild under way (the lowest position over its partitions). */
  rebuild: { generation: number; position: number } | null;
  /** The live generation's partitions. */
  partitions: PartitionStatus[];
}

/** Status reads give up (and are cancelled in PostgreSQL) after this long. */
const STATUS_TIMEOUT_MS = 2_000;
/** Default of PROJECTION_STUCK_SECONDS. */
export const DEFAULT_STUCK_SECONDS = 30;

export class ProjectionAdmin {
  constructor(
    private readonly pool: Pool,
    /** A partition is stuck when events have waited and its checkpoint has not moved for longer than this. */
    private readonly stuckSeconds = DEFAULT_STUCK_SECONDS,
  ) {}

  async statuses(): Promise<ProjectionStatus[]> {
    // One snapshot for checkpoints and head, so lag is never negative.
    return inTransaction(
      this.pool,
      async (client) => {
        const checkpoints = await currentCheckpoints(client);
        const log = new EventLogReader(client);
        const head = await log.headPosition();
        const partitions = await storedPartitions(client);
        const owners = await partitionOwners(client);
        const { rows: clock } = await client.query<{ now: Date }>('SELECT now()');
        const now = clock[0].now.getTime();
        // Projections usually share their positions: measure each (partition, position) once.
        const live = checkpoints.filter((c) => c.state === 'live');
        const distinct = [...new Map(live.map((c) => [`${c.partition}:${c.position}`, { partition: c.partition, position: c.position }])).values()];
        const measured = await log.partitionLags(distinct, head, partitions);
        const lags = new Map<string, LogLag>(distinct.map((d, i) => [`${d.partition}:${d.position}`, measured[i]]));
        return PROJECTION_NAMES.map((name) => {
          const liveOf = live.filter((c) => c.name === name);
          const building = checkpoints.filter((c) => c.name === name && c.state === 'building');
          const parts = liveOf.map((c) => this.partitionStatus(c, lags.get(`${c.partition}:${c.position}`)!, owners.get(c.partition) ?? null, now));
          const failed = firstOf(liveOf, (c) => c.lastError, partitions) ?? firstOf(building, (c) => c.lastError, partitions);
          const waitingAt = liveOf.find((c) => c.waiting) ?? building.find((c) => c.waiting);
          const waiting = waitingAt?.waiting ?? null;
          const updated = (building.length > 0 ? building : liveOf).map((c) => c.updatedAt.getTime());
          return {
            name,
            position: lowest(liveOf),
            headPosition: head,
            lagEvents: parts.reduce((sum, p) => sum + p.lagEvents, 0),
            lagSeconds: parts.reduce((max, p) => Math.max(max, p.lagSeconds), 0),
            status: failed ? 'failed' : building.length > 0 ? 'rebuilding' : 'live',
            lastError: failed ?? (waitingAt && waiting ? prefixed(waitingAt, waiting.reason, partitions) : null),
            retry: !failed && waiting ? { attempts: waiting.attempts, nextRetryAt: waiting.retryAt.toISOString() } : null,
            updatedAt: new Date(updated.length > 0 ? Math.max(...updated) : 0).toISOString(),
            rebuild: building.length > 0 ? { generation: building[0].generation, position: lowest(building) } : null,
            partitions: parts,
          } satisfies ProjectionStatus;
        });
      },
      `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = ${STATUS_TIMEOUT_MS}`,
    );
  }

  private partitionStatus(checkpoint: Checkpoint, lag: LogLag, owner: string | null, now: number): PartitionStatus {
    // Stuck: events have waited longer than the threshold, and the checkpoint has not moved
    // for as long (a long catch-up that advances is behind, not stuck). Waiting and failed
    // partitions say so themselves.
    const unchangedSeconds = (now - checkpoint.updatedAt.getTime()) / 1000;
    const stuck = lag.events > 0 && lag.seconds > this.stuckSeconds && unchangedSeconds > this.stuckSeconds;
    const status = checkpoint.lastError ? 'failed' : checkpoint.waiting ? 'waiting' : stuck ? 'stuck' : 'live';
    const reason =
      checkpoint.lastError ??
      checkpoint.waiting?.reason ??
      (stuck ? `${lag.events} events waiting, the oldest for ${Math.round(lag.seconds)} s; checkpoint unchanged for ${Math.round(unchangedSeconds)} s` : null);
    return {
      partition: checkpoint.partition,
      position: checkpoint.position,
      lagEvents: lag.events,
      lagSeconds: lag.seconds,
      status,
      lastError: reason,
      owner,
    };
  }

  /**
   * Starts a rebuild: a new generation from position 0 in every partition, built beside the
   * live one. A rebuild already under way is kept (the request is answered the same); a
   * failed one is replaced.
   */
  async requestRebuild(name: ProjectionName): Promise<{ generation: number; started: boolean }> {
    return inTransaction(this.pool, async (client) => {
      // Serialises with switch-overs (a step's) and other requests for this projection.
      await lockGenerations(client, name);
      const checkpoints = await currentCheckpoints(client, name);
      const building = checkpoints.filter((c) => c.state === 'building');
      if (building.length > 0 && building.every((c) => !c.lastError)) return { generation: building[0].generation, started: false };
      if (building.length > 0) {
        // A failed rebuild: retired (its rows are purged by the workers), then replaced.
        await client.query(`UPDATE projection_generations SET state = 'retired' WHERE name = $1 AND generation = $2`, [name, building[0].generation]);
      }
      const { rows } = await client.query<{ generation: number }>(
        `WITH created AS (
           INSERT INTO projection_generations (name, generation, state)
           SELECT $1, max(generation) + 1, 'building' FROM projection_generations WHERE name = $1
           RETURNING name, generation),
         checkpoints AS (
           INSERT INTO projection_checkpoints (name, generation, partition)
           SELECT created.name, created.generation, p FROM created, generate_series(0, log_partition_count() - 1) AS p)
         SELECT generation FROM created`,
        [name],
      );
      return { generation: rows[0].generation, started: true };
    });
  }
}

const lowest = (checkpoints: Checkpoint[]) => (checkpoints.length > 0 ? Math.min(...checkpoints.map((c) => c.position)) : 0);

/** With several partitions, a message says which one. */
const prefixed = (checkpoint: Checkpoint, message: string, partitions: number) => (partitions > 1 ? `partition ${checkpoint.partition}: ${message}` : message);

function firstOf(checkpoints: Checkpoint[], pick: (c: Checkpoint) => string | null, partitions: number): string | null {
  const found = checkpoints.find((c) => pick(c) !== null);
  return found ? prefixed(found, pick(found)!, partitions) : null;
}
