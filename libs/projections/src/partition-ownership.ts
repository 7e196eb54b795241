// Which partitions this worker folds. Soft ownership that spreads the work: the hard
// guarantee (never two steps of a partition at once) is the step's transaction lock (see
// generations.ts), so ownership may be wrong for a moment without harm.
//
// Each worker keeps one dedicated PostgreSQL connection holding a session advisory lock per
// partition it owns (as Marten's async daemon does). A worker that dies closes its
// connection, PostgreSQL drops its locks, and the others take the partitions at their next
// refresh. Every couple of seconds each worker writes a heartbeat row (projection_workers)
// with the partitions it holds, counts the live workers (heartbeats of the last few
// seconds), and aims at a share:
//   - at most ceil(N / live) partitions each;
//   - while some live worker holds fewer than floor(N / live), no more than floor(N / live),
//     so that a newcomer gets its share from those that hold more;
// giving up what is above its aim (after the partition's current step) and trying free
// partitions up to it. The session is closed by PostgreSQL itself when it has been idle for
// OWNERSHIP_IDLE_TIMEOUT_MS (a frozen worker, a network gone): a lease, with no clock of ours.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SERVER_KEEPALIVES } from '@app/database';
import { Queryable } from '@app/event-store';

/** First key of the ownership locks ("mo"); the second is the partition. */
export const PARTITION_OWNERSHIP_CLASS = 0x6d6f;
/** How often a worker writes its heartbeat and rebalances. */
export const OWNERSHIP_REFRESH_MS = 2_000;
/** A worker whose heartbeat is older than this is not counted as live. */
export const LIVE_WORKER_WINDOW_MS = 10_000;
/** PostgreSQL closes an ownership connection idle this long, dropping its locks. */
export const OWNERSHIP_IDLE_TIMEOUT_MS = 15_000;

/** What the worker does when ownership changes. */
export interface OwnershipHooks {
  /** A partition was taken: catch it up. */
  taken(partition: number): void;
  /** A partition is given up: resolves once its current step is over. */
  releasing(partition: number): Promise<void>;
}

export interface OwnershipOptions {
  databaseUrl: string;
  workerId?: string;
  refreshMs?: number;
  liveWindowMs?: number;
  idleTimeoutMs?: number;
  /** Told when the ownership connection fails or a refresh goes wrong (it is retried). */
  onError?: (error: Error) => void;
}

export const newWorkerId = () => `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** What a worker should hold, given N partitions and the counts the other live workers hold. */
export function ownershipAim(partitions: number, othersHeld: number[]): number {
  const live = othersHeld.length + 1;
  const floor = Math.floor(partitions / live);
  const ceil = Math.ceil(partitions / live);
  return othersHeld.some((held) => held < floor) ? floor : ceil;
}

export class PartitionOwnership {
  readonly workerId: string;
  private client?: Client;
  private readonly held = new Set<number>();
  private hooks: OwnershipHooks = { taken: () => undefined, releasing: async () => undefined };
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: OwnershipOptions) {
    this.workerId = options.workerId ?? newWorkerId();
  }

  setHooks(hooks: OwnershipHooks): void {
    this.hooks = hooks;
  }

  /** The partitions held now, in order. */
  owned(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  owns(partition: number): boolean {
    return this.held.has(partition);
  }

  /** The backend of the ownership connection (tests terminate it to play a dead worker). */
  get connectionPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  /** The first refresh, then one every refreshMs (never overlapping). */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), this.options.refreshMs ?? OWNERSHIP_REFRESH_MS);
    this.timer.unref();
  }

  /** Heartbeat, then give up or take partitions towards the aim. Never throws. */
  refresh(): Promise<void> {
    this.refreshing ??= this.rebalance()
      .catch((error: Error) => {
        this.options.onError?.(error);
        this.lose();
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async rebalance(): Promise<void> {
    if (this.stopped) return;
    const client = await this.connection();
    const { rows } = await client.query<{ partitions: number; others: number[] | null }>(
      `WITH beat AS (
         INSERT INTO projection_workers (worker_id, heartbeat_at, partitions) VALUES ($1, now(), $2)
         ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), partitions = $2),
       forgotten AS (DELETE FROM projection_workers WHERE heartbeat_at < now() - interval '1 hour')
       SELECT log_partition_count() AS partitions,
              (SELECT array_agg(cardinality(partitions)) FROM projection_workers
               WHERE worker_id <> $1 AND heartbeat_at > now() - make_interval(secs => $3)) AS others`,
      [this.workerId, this.owned(), (this.options.liveWindowMs ?? LIVE_WORKER_WINDOW_MS) / 1000],
    );
    const partitions = rows[0].partitions;
    const aim = ownershipAim(partitions, rows[0].others ?? []);
    const before = this.owned().join();
    // Above the aim (or beyond the stored count): give up the highest first.
    const surplus = this.owned().filter((p) => p >= partitions);
    const kept = this.owned().filter((p) => p < partitions);
    surplus.push(...kept.slice(aim).reverse());
    for (const partition of surplus) await this.release(client, partition);
    // Below it: try free partitions, starting at a place of this worker's own (fewer collisions).
    const start = parseInt(this.workerId.slice(-6), 16) % partitions || 0;
    for (let k = 0; k < partitions && this.held.size < aim && !this.stopped && surplus.length === 0; k++) {
      const partition = (start + k) % partitions;
      if (this.held.has(partition)) continue;
      const { rows: got } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${PARTITION_OWNERSHIP_CLASS}, $1) AS locked`, [partition]);
      if (!got[0].locked) continue;
      this.held.add(partition);
      this.hooks.taken(partition);
    }
    if (this.owned().join() !== before) {
      await client.query('UPDATE projection_workers SET partitions = $2 WHERE worker_id = $1', [this.workerId, this.owned()]);
    }
  }

  /** Stops asking for steps of the partition, waits for the one under way, then unlocks. */
  private async release(client: Client, partition: number): Promise<void> {
    this.held.delete(partition);
    await this.hooks.releasing(partition);
    await client.query(`SELECT pg_advisory_unlock(${PARTITION_OWNERSHIP_CLASS}, $1)`, [partition]);
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const idle = this.options.idleTimeoutMs ?? OWNERSHIP_IDLE_TIMEOUT_MS;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      statement_timeout: 5_000,
      application_name: `mt-worker ${this.workerId}`.slice(0, 63),
      // The server drops the session (and its locks) when it has been idle too long or its peer is gone.
      options: `-c idle_session_timeout=${idle} ${SERVER_KEEPALIVES}`,
    });
    client.on('error', (error) => {
      this.options.onError?.(error);
      if (this.client === client) this.lose();
    });
    client.on('end', () => {
      if (this.client === client) this.lose();
    });
    await client.connect().catch(async (error) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    this.client = client;
    return client;
  }

  /**
   * The connection failed (or a refresh did): every lock it held is gone or will be, so hold
   * nothing; the next refresh connects again. Steps under way finish (their own lock keeps
   * exactly-once), and no new ones are asked for.
   */
  private lose(): void {
    this.held.clear();
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }

  /** Gives every partition up (after its current step), removes the heartbeat, closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.refreshing;
    const client = this.client;
    if (!client) return;
    try {
      for (const partition of this.owned()) await this.release(client, partition);
      await client.query('DELETE FROM projection_workers WHERE worker_id = $1', [this.workerId]);
    } catch {
      // The connection is going anyway; its locks go with it.
    } finally {
      this.client = undefined;
      this.held.clear();
      await client.end().catch(() => undefined);
    }
  }
}

/** Which worker says it holds each partition (live heartbeats only). */
export async function partitionOwners(db: Queryable, liveWindowMs = LIVE_WORKER_WINDOW_MS): Promise<Map<number, string>> {
  const { rows } = await db.query<{ worker_id: string; partition: number }>(
    `SELECT worker_id, unnest(partitions) AS partition FROM projection_workers WHERE heartbeat_at > now() - make_interval(secs => $1)`,
    [liveWindowMs / 1000],
  );
  return new Map(rows.map((row) => [row.partition, row.worker_id]));
}

/** Workers with a live heartbeat (a re-partition waits until there are none). */
export async function liveWorkers(db: Queryable, liveWindowMs = LIVE_WORKER_WINDOW_MS): Promise<{ workerId: string; heartbeatAt: Date }[]> {
  const { rows } = await db.query<{ worker_id: string; heartbeat_at: Date }>(
    `SELECT worker_id, heartbeat_at FROM projection_workers WHERE heartbeat_at > now() - make_interval(secs => $1) ORDER BY worker_id`,
    [liveWindowMs / 1000],
  );
  return rows.map((row) => ({ workerId: row.worker_id, heartbeatAt: row.heartbeat_at }));
}
