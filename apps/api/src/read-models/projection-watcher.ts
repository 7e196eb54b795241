// Read-your-writes: `?minPosition=N` waits until a projection reflects position N. Workers
// NOTIFY on every commit that moves a projection; waiters wake on it, and a slow poll covers
// a notification lost with a connection.
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Database, DATABASE, PgListener } from '@app/database';
import { liveGeneration, PROJECTION_ADVANCED_CHANNEL, ProjectionAdvanced, ProjectionName } from '@app/projections';

export const MIN_POSITION_WAIT_MS = 10_000;
const POLL_MS = 250;

interface Waiter {
  name: ProjectionName;
  position: number;
  resolve: (reached: boolean) => void;
}

@Injectable()
export class ProjectionWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(advanced: ProjectionAdvanced) => void>();
  /** The highest live position of each projection seen on the primary (NOTIFY or poll): what it has, at least. */
  private readonly announcedPositions = new Map<ProjectionName, number>();
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

  /** Resolves true once the projection's live position is >= position, false after the wait limit. */
  async waitFor(name: ProjectionName, position: number, timeoutMs = MIN_POSITION_WAIT_MS): Promise<boolean> {
    if ((await liveGeneration(this.database.pool, name)).position >= position) return true;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        name,
        position,
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

  /** The highest position the primary is known to have for the projection (0 before any NOTIFY): no query. */
  announced(name: ProjectionName): number {
    return this.announcedPositions.get(name) ?? 0;
  }

  /** Calls `listener` whenever a projection's live generation moves; returns the unsubscribe. */
  onAdvanced(listener: (advanced: ProjectionAdvanced) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private advanced(advanced: ProjectionAdvanced, notified = false): void {
    const { name, position } = advanced;
    if (position > this.announced(name)) this.announcedPositions.set(name, position);
    for (const waiter of this.waiters) if (waiter.name === name && waiter.position <= position) waiter.resolve(true);
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
    for (const name of new Set([...this.waiters].map((w) => w.name))) {
      try {
        this.advanced({ name, position: (await liveGeneration(this.database.pool, name)).position });
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
