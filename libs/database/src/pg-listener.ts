// One LISTEN connection per process, shared by everything that waits on a PostgreSQL
// NOTIFY (projection progress, API key changes). It reconnects and listens again after a
// lost connection, and tells subscribers so they can re-read what they may have missed.
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig, CONFIG } from '@app/config';

type Handler = (payload: string) => void;

@Injectable()
export class PgListener implements OnApplicationShutdown {
  private readonly logger = new Logger(PgListener.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client?: Client;
  private connecting?: Promise<void>;
  private closed = false;
  /** LISTENs one after another: pg warns about (and will refuse) queries sent while one runs. */
  private listening: Promise<unknown> = Promise.resolve();

  constructor(@Inject(CONFIG) private readonly config: AppConfig) {}

  /** Calls `handler` with each notification's payload on `channel` (a plain identifier). */
  async subscribe(channel: string, handler: Handler): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
    const isNew = !this.handlers.has(channel);
    if (isNew) this.handlers.set(channel, new Set());
    this.handlers.get(channel)!.add(handler);
    await this.connect();
    if (isNew && this.client) await this.listen(this.client, channel).catch(() => undefined);
  }

  private listen(client: Client, channel: string): Promise<unknown> {
    const done = this.listening.catch(() => undefined).then(() => client.query(`LISTEN ${channel}`));
    this.listening = done;
    return done;
  }

  /** Called after the connection was lost and restored (notifications may have been missed). */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    // Bounded connect: an unanswering server must not hold subscribe() (and start-up) forever.
    const client = new Client({ connectionString: this.config.DATABASE_URL, connectionTimeoutMillis: 5_000, keepAlive: true });
    client.on('error', () => undefined); // a lost connection ends it; 'end' below reconnects
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
      if (!this.closed) setTimeout(() => void this.reopen(), 1_000).unref();
    });
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await this.listen(client, channel);
      this.client = client;
    } catch (error) {
      this.logger.warn(`LISTEN connection failed (${(error as Error).message}); retrying`);
      await client.end().catch(() => undefined);
    }
  }

  private async reopen(): Promise<void> {
    await this.connect();
    if (this.client) for (const handler of this.reconnectHandlers) handler();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
  }
}
