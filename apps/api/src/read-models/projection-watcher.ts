// Read-your-writes: `?minPosition=N` waits until a projection reflects position N. Workers
// NOTIFY on every commit that moves a projection; one LISTEN connection per API process
// wakes the waiters, and a slow poll covers a notification lost with a connection.
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig, CONFIG } from '@app/config';
import { Database, DATABASE } from '@app/database';
import { liveGeneration, PROJECTION_ADVANCED_CHANNEL, ProjectionName } from '@app/projections';

export const MIN_POSITION_WAIT_MS = 10_000;
const POLL_MS = 250;

interface Waiter {
  name: ProjectionName;
  position: number;
  resolve: (reached: boolean) => void;
}

@Injectable()
export class ProjectionWatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionWatcher.name);
  private readonly waiters = new Set<Waiter>();
  private listener?: Client;
  private poller?: NodeJS.Timeout;
  private closed = false;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly database: Database,
  ) {}

  onModuleInit(): void {
    void this.listen();
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

  private advanced(name: string, position: number): void {
    for (const waiter of this.waiters) if (waiter.name === name && waiter.position <= position) waiter.resolve(true);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.config.DATABASE_URL });
    client.on('error', () => undefined);
    client.on('notification', (message) => {
      try {
        const { name, position } = JSON.parse(message.payload ?? '{}');
        this.advanced(name, position);
      } catch {
        // ignore a malformed payload
      }
    });
    client.on('end', () => {
      if (!this.closed) setTimeout(() => void this.listen(), 1_000).unref();
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${PROJECTION_ADVANCED_CHANNEL}`);
    } catch (error) {
      this.logger.warn(`LISTEN failed (${(error as Error).message}); minPosition falls back to polling`);
      await client.end().catch(() => undefined);
    }
  }

  private ensurePolling(): void {
    if (this.poller) return;
    this.poller = setInterval(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.waiters.size === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
      return;
    }
    const names = new Set([...this.waiters].map((w) => w.name));
    for (const name of names) {
      try {
        this.advanced(name, (await liveGeneration(this.database.pool, name)).position);
      } catch {
        // PostgreSQL unreachable: the waiters time out and answer 503
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    for (const waiter of this.waiters) waiter.resolve(false);
    await this.listener?.end().catch(() => undefined);
  }
}
