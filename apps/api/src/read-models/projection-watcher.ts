// Read-your-writes: `?minPosition=N` waits until a projection reflects position N, in the
// partition of the mission read (or, for a read of every mission, in every partition).
// Workers NOTIFY on every commit that moves a partition's live checkpoint; waiters wake on
// it, and a slow poll covers a notification lost with a connection.
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Database, DATABASE, PgListener } from '@app/database';
import { liveCheckpoint, livePartitionPosition, livePositions, PROJECTION_ADVANCED_CHANNEL, ProjectionAdvanced, ProjectionName } from '@app/projections';

export const MIN_POSITION_WAIT_MS = 10_000;
const POLL_MS = 250;

interface Waiter {
  name: ProjectionName;
  position: number;
  /** The partition of the mission read; absent for a read of every mission, which waits for all of them. */
  partition?: number;
  /** For a read of every mission: the positions known of each partition. */
  seen?: Map<number, number>;
  resolve: (reached: boolean) => void;
}

const lowest = (positions: Map<number, number>) => Math.min(...positions.values());

@Injectable()
export class ProjectionWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(advanced: ProjectionAdvanced) => void>();
  private poller?: NodeJS.Timeout;

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly listener: PgListener,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listener.subscribe(PROJECTION_ADVANCED_CHANNEL, (payload) => {
      try {
        this.advanced(JSON.parse(payload) as ProjectionAdvanced, true);
      } catch {
        // ignore a malformed payload
      }
    });
  }

  /**
   * Resolves true once the projection's live position is >= position (in the mission's
   * partition, or in every partition without a mission), false after the wait limit.
   */
  async waitFor(name: ProjectionName, position: number, missionId?: string, timeoutMs = MIN_POSITION_WAIT_MS): Promise<boolean> {
    const pool = this.database.pool;
    let partial: Pick<Waiter, 'partition' | 'seen'>;
    if (missionId !== undefined) {
      // The mission's partition comes from the database (the stored count), with its position.
      const current = await liveCheckpoint(pool, name, missionId);
      if (current.position >= position) return true;
      partial = { partition: current.partition };
    } else {
      const seen = await livePositions(pool, name);
      if (lowest(seen) >= position) return true;
      partial = { seen };
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        name,
        position,
        ...partial,
        resolve: (reached) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
      this.ensurePolling();
    });
  }

  /** Calls `listener` whenever a projection's live generation moves; returns the unsubscribe. */
  onAdvanced(listener: (advanced: ProjectionAdvanced) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private advanced(advanced: ProjectionAdvanced, notified = false): void {
    const { name, partition, position } = advanced;
    for (const waiter of this.waiters) {
      if (waiter.name !== name) continue;
      if (waiter.seen) {
        if (waiter.seen.has(partition)) waiter.seen.set(partition, Math.max(waiter.seen.get(partition)!, position));
        if (lowest(waiter.seen) >= waiter.position) waiter.resolve(true);
      } else if (waiter.partition === partition && waiter.position <= position) {
        waiter.resolve(true);
      }
    }
    if (notified) for (const listener of this.listeners) listener(advanced);
  }

  private ensurePolling(): void {
    this.poller ??= setInterval(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.waiters.size === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
      return;
    }
    const pool = this.database.pool;
    const watched = new Map([...this.waiters].map((w) => [`${w.name}:${w.partition ?? '*'}`, w]));
    for (const { name, partition } of watched.values()) {
      try {
        if (partition !== undefined) this.advanced({ name, partition, position: await livePartitionPosition(pool, name, partition) });
        else for (const [p, position] of await livePositions(pool, name)) this.advanced({ name, partition: p, position });
      } catch {
        // PostgreSQL unreachable: the waiters time out and answer 503
      }
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.poller);
    for (const waiter of this.waiters) waiter.resolve(false);
  }
}
