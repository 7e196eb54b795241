// Group commit for appends. Requests that arrive while a batch is being committed wait
// and go together in the next transaction: one commit (one WAL flush, one hold of the
// append lock) for many requests, which is what lets single-event appends from many
// clients approach PostgreSQL's own autocommit rate. A lone request runs at once.
import { Pool } from 'pg';
import { inTransaction, isDatabaseUnavailable } from '@app/database';
import { appendBatch } from './append-transaction';
import { AppendOutcome, AppendRequest } from './append-types';

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
}

export class AppendBatcher {
  private readonly queue: Pending[] = [];
  private running = 0;

  constructor(
    private readonly pool: Pool,
    private readonly options: BatcherOptions = { concurrentBatches: 2, maxEvents: 5_000 },
  ) {}

  submit(request: AppendRequest): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.drain();
    });
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
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const settled = await this.transact(batch.map((p) => p.request));
      settled.forEach((s, i) => ('outcome' in s ? batch[i].resolve(s.outcome) : batch[i].reject(s.error)));
    } catch (error) {
      // The whole transaction failed. Unreachable database: everyone gets it. Anything else
      // (a deadlock with another process's batch, say): try each request on its own, so one
      // request's trouble is never another's.
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      for (const p of batch) {
        await this.transact([p.request]).then(
          ([s]) => ('outcome' in s ? p.resolve(s.outcome) : p.reject(s.error)),
          (e) => p.reject(e),
        );
      }
    }
  }

  private transact(requests: AppendRequest[]) {
    return inTransaction(this.pool, (client) => appendBatch(client, requests));
  }
}
