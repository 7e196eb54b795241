// Where a read-model read runs: on a replica (round-robin, see ReplicaMonitor) or on the
// primary, as one snapshot on one server either way. `minPosition` is honoured on the server
// that answers: the primary is waited on through NOTIFY (ProjectionWatcher); NOTIFY is not
// replicated, so a replica is polled for its checkpoint (a replicated row: a replica showing
// checkpoint >= N has the rows of N) once the primary has N, briefly, before the primary answers.
// On a replica the checkpoint is read in the read's own snapshot: a replica URL may be a
// load-balanced name whose connections reach different servers, and only one transaction is
// sure to be on one server (even behind a transaction-mode pooler).
import { Inject, Injectable } from '@nestjs/common';
import { PoolClient } from 'pg';
import { Database, DATABASE, inSnapshot } from '@app/database';
import { ProjectionName } from '@app/projections';
import { Problem } from '../problems/problem';
import { MIN_POSITION_WAIT_MS, ProjectionWatcher } from '../read-models/projection-watcher';
import { FallbackReason, ReadMetrics, ServedVia } from './read-metrics';
import { lowest, readCheckpoints } from './read-checkpoints';
import { Replica, ReplicaMonitor } from './replica-monitor';

/** Once the primary has the position, how long a replica may take to replay it before the primary answers. */
export const REPLICA_CATCH_UP_MS = 200;
/** The replica's checkpoint is polled at this interval, growing to the next. */
const POLL_FIRST_MS = 20;
const POLL_MAX_MS = 50;

export interface ReadRequest {
  /** The projections whose checkpoints the read reflects. */
  projections: readonly ProjectionName[];
  /** The mission read: its partition's checkpoints are the ones that count (absent: every partition's lowest). */
  missionId?: string;
  /** Wait (up to 10 s) until each has reached this on the server that answers; 503 if none gets there. 0: no wait. */
  minPosition?: number;
  /** On a replica, at least this (else the primary answers, without waiting): a live re-read after the primary announced it. */
  notOlderThan?: number;
  /** Only the primary can serve it. */
  primaryOnly?: boolean;
  /** Errors that a lagging replica may give where the primary would not (a mission just created): asked again of the primary. */
  confirmOnPrimary?: (error: unknown) => boolean;
  /**
   * A turn to wait for (an `asOf` replay's slot), taken after any wait for freshness and before
   * the connection, released when the read is done: a read waiting its turn holds no pooled
   * connection and no open snapshot, so however many wait, the appends still get connections.
   */
  turn?: () => Promise<() => void>;
}

type Work<T> = (db: PoolClient) => Promise<T>;

/** SQLSTATE 40001 on a standby: the query was cancelled because replay had to remove what it read. */
const isRecoveryConflict = (error: unknown) => (error as { code?: string } | null)?.code === '40001';

/** The replica has not replayed the position the read asks for. */
const BEHIND = Symbol('behind');

/** The server of this snapshot shows every checkpoint of the read at the position (or beyond). */
const reflects = async (db: PoolClient, { projections, missionId }: ReadRequest, position: number) =>
  lowest(await readCheckpoints(db, projections, missionId)) >= position;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
export class ReadRouter {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly monitor: ReplicaMonitor,
    private readonly watcher: ProjectionWatcher,
    private readonly metrics: ReadMetrics,
  ) {}

  async read<T>(request: ReadRequest, work: Work<T>): Promise<T> {
    const deadline = Date.now() + MIN_POSITION_WAIT_MS;
    if (request.primaryOnly || this.monitor.replicas.length === 0) return this.onPrimary(request, work, deadline, 'primary');
    const replica = this.monitor.next();
    if (!replica) return this.onPrimary(request, work, deadline, 'fallback', 'unavailable');
    const outcome = await this.onReplica(replica, request, work, deadline);
    if ('result' in outcome) return outcome.result;
    return this.onPrimary(request, work, deadline, 'fallback', outcome.fallback, outcome.primaryHasIt);
  }

  /** The read on a replica, or why the primary must answer instead (never an error of the primary's). */
  private async onReplica<T>(replica: Replica, request: ReadRequest, work: Work<T>, deadline: number): Promise<{ result: T } | { fallback: FallbackReason; primaryHasIt?: boolean }> {
    try {
      const wanted = Math.max(request.minPosition ?? 0, request.notOlderThan ?? 0);
      const result = wanted > 0 ? await this.onceCaughtUp(replica, request, wanted, deadline, work) : await inTurn(request, () => inSnapshot(replica.pool, work));
      if (result === BEHIND) return { fallback: 'behind', primaryHasIt: true };
      this.metrics.served(replica.name, 'replica');
      return { result };
    } catch (error) {
      // An answer of ours (404, 503) stands, unless the primary may know better.
      if (error instanceof Problem) {
        if (request.confirmOnPrimary?.(error)) return { fallback: 'not-found' };
        throw error;
      }
      if (isRecoveryConflict(error)) return { fallback: 'conflict' };
      // Anything else the replica or its connection said (refused, timed out, shut down, a
      // wrong database in the URL): skip it for a while; the primary answers this read.
      this.monitor.failed(replica, error);
      return { fallback: 'down' };
    }
  }

  /**
   * The read, on the replica, once it shows the position. It cannot be ahead of the primary, so
   * the wait is the primary's (NOTIFY, no polling, no connection held) first; then the replica
   * is polled for at most REPLICA_CATCH_UP_MS (BEHIND: the primary answers). 503 when the
   * primary does not get there in time.
   */
  private async onceCaughtUp<T>(replica: Replica, request: ReadRequest, position: number, deadline: number, work: Work<T>): Promise<T | typeof BEHIND> {
    const attempt = () => inTurn(request, () => inSnapshot(replica.pool, async (db) => ((await reflects(db, request, position)) ? work(db) : BEHIND)));
    const first = await attempt();
    if (first !== BEHIND) return first;
    if (!(await this.primaryReaches(request, position, deadline))) throw positionNotReached(position);
    const giveUp = Math.min(Date.now() + REPLICA_CATCH_UP_MS, deadline);
    for (let interval = POLL_FIRST_MS; Date.now() < giveUp; interval = Math.min(interval * 1.5, POLL_MAX_MS)) {
      await sleep(Math.min(interval, giveUp - Date.now()));
      const result = await attempt();
      if (result !== BEHIND) return result;
    }
    return BEHIND;
  }

  /**
   * The primary has every projection at the position (in the mission's partition, or in
   * every partition), or gets there before the deadline (NOTIFY).
   */
  private async primaryReaches({ projections, missionId }: ReadRequest, position: number, deadline: number): Promise<boolean> {
    const reached = await Promise.all(projections.map((name) => this.watcher.waitFor(name, position, missionId, Math.max(0, deadline - Date.now()))));
    return reached.every(Boolean);
  }

  private async onPrimary<T>(request: ReadRequest, work: Work<T>, deadline: number, via: ServedVia, reason?: FallbackReason, primaryHasIt = false): Promise<T> {
    const position = request.minPosition ?? 0;
    if (position > 0 && !primaryHasIt && !(await this.primaryReaches(request, position, deadline))) throw positionNotReached(position);
    const result = await inTurn(request, () => inSnapshot(this.database.pool, work));
    this.metrics.served('primary', via, reason);
    return result;
  }
}

/** `read` once the request's turn (if it waits for one) has come; the turn is given back after. */
async function inTurn<T>({ turn }: ReadRequest, read: () => Promise<T>): Promise<T> {
  const release = await turn?.();
  try {
    return await read();
  } finally {
    release?.();
  }
}

function positionNotReached(position: number): Problem {
  return new Problem(503, 'position-not-reached', `the read model has not reached position ${position} within 10 s; retry shortly`, {}, { 'Retry-After': '1' });
}
