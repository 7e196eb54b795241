// Sends batches: one at a time per mission (so a mission's order holds), several missions at
// once, and no more than a few batches waiting in memory (the reader waits for room). Of each
// batch only the events its stream does not hold yet are sent (stream-ledger.ts).
import { createHash } from 'node:crypto';
import { ApiClient, ApiError, EventToAppend, UnreachableError } from '../api-client';
import { authHint, CliError } from '../cli-error';
import { Batch } from './batch-former';
import { StreamLedger } from './stream-ledger';

export interface BatchSenderOptions {
  concurrency: number;
  /** Called after each batch: its events are in the log now, `alreadyInLog` of them were before. */
  onAppended(batch: Batch, alreadyInLog: number): void;
  /** Called when the server asks to wait; the reason is shown, not fatal. */
  onWait?(seconds: number, reason: string): void;
}

/** Transient failures (network, 5xx without Retry-After) are retried this many times. */
const MAX_TRANSIENT_RETRIES = 5;

export class BatchSender {
  /** The tail of each mission's chain of sends. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();
  private active = 0;
  private pending = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly roomWaiters: (() => void)[] = [];
  private failure: CliError | null = null;
  /** Per mission, what its stream holds; each mission's batches are sent one at a time. */
  private readonly ledgers = new Map<string, StreamLedger>();

  constructor(
    private readonly client: ApiClient,
    private readonly options: BatchSenderOptions,
  ) {}

  get failed(): CliError | null {
    return this.failure;
  }

  /** Queues a batch; resolves once there is room for the next one. */
  async enqueue(batch: Batch): Promise<void> {
    if (this.failure) throw this.failure;
    this.pending++;
    const previous = this.tails.get(batch.missionId) ?? Promise.resolve();
    const sent = previous.then(() => this.withSlot(() => this.sendOnce(batch))).finally(() => {
      this.pending--;
      this.roomWaiters.shift()?.();
    });
    const tail = sent.catch(() => undefined);
    this.tails.set(batch.missionId, tail);
    this.running.add(tail);
    void tail.finally(() => {
      this.running.delete(tail);
      if (this.tails.get(batch.missionId) === tail) this.tails.delete(batch.missionId);
    });
    while (this.pending >= this.options.concurrency * 4 && !this.failure) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Waits for everything queued; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
    if (this.failure) throw this.failure;
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T | undefined> {
    while (this.active >= this.options.concurrency) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.slotWaiters.shift()?.();
    }
  }

  private async sendOnce(batch: Batch): Promise<void> {
    // After a failure nothing more is sent: what was appended stays, a re-run resumes.
    if (this.failure) return;
    try {
      const appended = await this.appendMissing(batch);
      this.options.onAppended(batch, batch.events.length - appended);
    } catch (error) {
      this.failure ??= error instanceof CliError ? error : new CliError(String((error as Error).message ?? error));
      // Wake a reader waiting for room, so it sees the failure.
      for (const wake of this.roomWaiters.splice(0)) wake();
      throw this.failure;
    }
  }

  /** Appends the events of the batch that its mission's stream does not hold yet; returns how many. */
  private async appendMissing(batch: Batch): Promise<number> {
    // What the stream holds is read first; a refusal there (a bad key, say) names the batch too.
    const ledger = await this.ledgerOf(batch).catch((error) => {
      throw describeFailure(batch, [], error);
    });
    const items = batch.events.map((event, index) => ({ event, line: batch.lines[index] }));
    let missing = ledger.missing(items, (item) => item.event);
    const wanted = missing.length;
    while (missing.length > 0) {
      const events = missing.map((item) => item.event);
      try {
        const { result } = await this.withRetries(batch, () =>
          this.client.appendEvents(batch.missionId, events, { expectedVersion: ledger.version, idempotencyKey: appendKey(batch.missionId, ledger.version, events) }),
        );
        ledger.appended(result.streamVersion);
        return wanted;
      } catch (error) {
        // Someone appended to the stream since it was read: match the lines against what they added.
        if (!(error instanceof ApiError && error.status === 409)) throw describeFailure(batch, missing, error);
        const before = ledger.version;
        await this.withRetries(batch, () => ledger.catchUp()).catch((failure) => {
          throw describeFailure(batch, [], failure);
        });
        if (ledger.version === before) throw describeFailure(batch, missing, error);
        missing = ledger.missing(missing, (item) => item.event);
      }
    }
    return 0;
  }

  /** The ledger of the batch's mission, read from the API the first time. */
  private async ledgerOf(batch: Batch): Promise<StreamLedger> {
    let ledger = this.ledgers.get(batch.missionId);
    if (!ledger) {
      const fresh = new StreamLedger(this.client, batch.missionId);
      await this.withRetries(batch, () => fresh.catchUp());
      this.ledgers.set(batch.missionId, (ledger = fresh));
    }
    return ledger;
  }

  /** Waits out 429 and 503 with Retry-After; retries transient failures a few times. */
  private async withRetries<T>(batch: Batch, work: () => Promise<T>): Promise<T> {
    for (let transient = 0; ; ) {
      try {
        return await work();
      } catch (error) {
        if (error instanceof ApiError && error.retryAfter !== null && (error.status === 429 || error.status === 503)) {
          this.options.onWait?.(error.retryAfter, error.message);
          await sleep(Math.max(error.retryAfter, 0.1) * 1000);
          continue;
        }
        const isTransient = error instanceof UnreachableError || (error instanceof ApiError && error.status >= 500);
        if (isTransient && transient < MAX_TRANSIENT_RETRIES) {
          transient++;
          this.options.onWait?.(2 ** transient / 4, (error as Error).message);
          await sleep(250 * 2 ** transient);
          continue;
        }
        throw error;
      }
    }
  }
}

/**
 * The same request gives the same key, so a retry of a request that did land (its answer lost)
 * is answered, not appended again. The version is part of it: a request at another version is
 * another request.
 */
function appendKey(missionId: string, expectedVersion: number, events: EventToAppend[]): string {
  const hash = createHash('sha256').update(missionId).update('\0').update(String(expectedVersion)).update('\0').update(JSON.stringify(events));
  return `import-${hash.digest('hex')}`;
}

/** `lines 3-1002 (mission x): <detail>`, with each field error on the line it came from. */
function describeFailure(batch: Batch, sent: { line: number }[], error: unknown): CliError {
  const where = `${lineRange(batch.lines)} (mission ${batch.missionId})`;
  if (!(error instanceof ApiError)) return new CliError(`${where}: ${(error as Error).message}`);
  const details = (error.problem.errors ?? []).map(({ path, message }) => {
    const match = /^events\[(\d+)\]\.?(.*)$/.exec(path);
    const line = match ? sent[Number(match[1])]?.line : undefined;
    return line !== undefined ? `line ${line}: ${match![2]}: ${message}` : `${path}: ${message}`;
  });
  return new CliError(`${where} refused (HTTP ${error.status}): ${error.message}${authHint(error.status)}`, details);
}

function lineRange(lines: number[]): string {
  const first = lines[0];
  const last = lines[lines.length - 1];
  return first === last ? `line ${first}` : `lines ${first}-${last}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
