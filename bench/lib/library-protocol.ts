// The benchmark's side of bench/library-host.ts: a store hosted in a child process, called
// by request and answer over IPC, and what a hosted store must offer.
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Acknowledged } from './feed-check';
import { trackChild } from './processes';

export interface HostedStore {
  setUp(): Promise<void>;
  appendSingles(total: number, callers: number): Promise<{ acks: Acknowledged[]; conflicts: number }>;
  appendBatches(total: number, callers: number, batch: number): Promise<void>;
  /** Positions a reader tailing the feed after `after` receives while `during` runs. */
  consumeWhile(during: () => Promise<unknown>, after: number): Promise<number[]>;
  readFeed(): Promise<number[]>;
  close(): Promise<void>;
}

export type HostRequest = { id: number; op: 'setUp' | 'appendSingles' | 'appendBatches' | 'feedCheck' | 'close'; args: unknown[] };
export type HostResponse = { id: number; result: unknown; elapsedMs: number } | { id: number; error: string };

export interface FeedInputs {
  /** The last position before the checked appends (setup and earlier runs are in the feed too). */
  head: number;
  acks: Acknowledged[];
  conflicts: number;
  /** What a reader tailing the feed (from `head`) during the appends received, in order. */
  tailing: number[];
  /** The whole feed read afterwards, in order. */
  afterwards: number[];
}

/** Runs in the host: appends while a reader tails the feed, then reads it all again. */
export async function checkFeedInputs(store: HostedStore, events: number, callers: number): Promise<FeedInputs> {
  const head = (await store.readFeed()).reduce((a, b) => Math.max(a, b), 0);
  let run: { acks: Acknowledged[]; conflicts: number } = { acks: [], conflicts: 0 };
  const tailing = await store.consumeWhile(async () => (run = await store.appendSingles(events, callers)), head);
  const afterwards = await store.readFeed();
  return { head, acks: run.acks, conflicts: run.conflicts, tailing, afterwards };
}

export class LibraryHost {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: { result: any; elapsedMs: number }) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly kind: 'ours' | 'emmett',
    private readonly child: ChildProcess,
  ) {
    child.on('message', (response: HostResponse) => {
      const waiter = this.waiting.get(response.id);
      if (!waiter) return;
      this.waiting.delete(response.id);
      if ('error' in response) waiter.reject(new Error(`${kind} library host: ${response.error}`));
      else waiter.resolve(response);
    });
    child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`${kind} library host exited (${code})`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static start(kind: 'ours' | 'emmett', databaseUrl: string): Promise<LibraryHost> {
    const child = fork(join(__dirname, '..', 'library-host.js'), [kind, databaseUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    trackChild(child);
    const host = new LibraryHost(kind, child);
    return new Promise((resolve, reject) => {
      host.waiting.set(0, { resolve: () => resolve(host), reject });
    });
  }

  /** One operation in the host; `elapsedMs` is timed there, around the operation alone. */
  call<T = unknown>(op: HostRequest['op'], ...args: unknown[]): Promise<{ result: T; elapsedMs: number }> {
    const id = this.nextId++;
    if (!this.child.connected) return Promise.reject(new Error(`${this.kind} library host is gone`));
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, op, args } satisfies HostRequest);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.call('close').catch(() => undefined);
    await exited;
  }
}
