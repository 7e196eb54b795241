// Group commit for appends. Requests that arrive while a batch is being committed wait
// and go together in the next transaction: one commit (one WAL flush, one hold of the
// append lock) for many requests, which is what lets single-event appends from many
// clients approach PostgreSQL's own autocommit rate. A lone request runs at once.
import { Pool } from 'pg';
import { inTransaction } from '@app/database';
import { AppendQueueFullError, AppendQueueShareExceededError, AppendTimedOutError } from './append-errors';
import { appendBatch, beginAppend } from './append-transaction';
import { AppendOutcome, AppendRequest } from './append-types';

/** lock_not_available, query_canceled (statement_timeout), idle_in_transaction_session_timeout. */
const TIMED_OUT = new Set(['55P03', '57014', '25P03']);
/** Deadlock, serialization failure: the same batch can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

interface Pending {
  request: AppendRequest;
  resolve: (outcome: AppendOutcome) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Transactions one process keeps in flight: while one waits on its commit, the next forms. */
  concurrentBatches: number;
  /** Events per transaction at most. */
  maxEvents: number;
  /**
   * Events waiting in this process at most; beyond it appends are refused at once (retry
   * later). One API key may hold at most half of the room the other keys leave (see admits).
   */
  maxQueuedEvents: number;
}

export class AppendBatcher {
  private readonly queue: Pending[] = [];
  private queuedEvents = 0;
  /** Events waiting per principal (API key id); a principal with none has no entry. */
  private readonly queuedByPrincipal = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly pool: Pool,
    private readonly options: BatcherOptions = { concurrentBatches: 2, maxEvents: 5_000, maxQueuedEvents: 50_000 },
  ) {}

  submit(request: AppendRequest): Promise<AppendOutcome> {
    const size = request.command.events.length;
    const { principal } = request.context;
    if (this.queuedEvents + size > this.options.maxQueuedEvents) return Promise.reject(new AppendQueueFullError(this.queuedEvents));
    const own = this.queuedByPrincipal.get(principal) ?? 0;
    if (!this.admits(own, size)) return Promise.reject(new AppendQueueShareExceededError(own));
    this.count(principal, size);
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.drain();
    });
  }

  /**
   * A fair share: a key may hold at most half of the room the other keys leave it, so however
   * hard one key (or a few) push, the others always find room; a key with nothing waiting
   * may always put one request in while the queue has room for it.
   */
  private admits(own: number, size: number): boolean {
    const others = this.queuedEvents - own;
    return own === 0 || own + size <= (this.options.maxQueuedEvents - others) / 2;
  }

  private count(principal: string, events: number): void {
    this.queuedEvents += events;
    const left = (this.queuedByPrincipal.get(principal) ?? 0) + events;
    if (left > 0) this.queuedByPrincipal.set(principal, left);
    else this.queuedByPrincipal.delete(principal);
  }

  private drain(): void {
    while (this.running < this.options.concurrentBatches && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  /** Up to maxEvents, in arrival order; a second request with the same idempotency key waits for the next batch. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const keys = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.queue.length; ) {
      const pending = this.queue[i];
      const size = pending.request.command.events.length;
      if (batch.length > 0 && events + size > this.options.maxEvents) break;
      const { idempotency, principal } = pending.request.context;
      const key = idempotency ? `${principal}\u0000${idempotency.key}` : null;
      if (key && keys.has(key)) {
        i++;
        continue;
      }
      if (key) keys.add(key);
      batch.push(pending);
      events += size;
      this.count(principal, -size);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    const requests = batch.map((p) => p.request);
    try {
      const settled = await this.transact(requests).catch((error) => {
        // A deadlock with another process's batch: the same batch again, once. Anything else
        // fails the batch as a whole: every request was checked before it joined (see
        // assertStorable), so no request can fail the others, and retrying each alone
        // would only multiply the load.
        if (RETRYABLE.has(error?.code)) return this.transact(requests);
        throw error;
      });
      settled.forEach((s, i) => ('outcome' in s ? batch[i].resolve(s.outcome) : batch[i].reject(s.error)));
    } catch (error) {
      const reason = TIMED_OUT.has((error as { code?: string })?.code ?? '') ? new AppendTimedOutError((error as Error).message) : error;
      for (const p of batch) p.reject(reason);
    }
  }

  private transact(requests: AppendRequest[]) {
    return inTransaction(this.pool, (client, begun) => appendBatch(client, requests, begun), beginAppend(requests));
  }
}
