// Sends batches: one at a time per mission (so a mission's order holds), several missions at
// once, and no more than a few batches waiting in memory (the reader waits for room).
import { ApiClient, ApiError, UnreachableError } from '../api-client';
import { authHint, CliError } from '../cli-error';
import { Batch } from './batch-former';

export interface BatchSenderOptions {
  concurrency: number;
  /** Called after each batch is appended, or found already appended (`replayed`). */
  onAppended(batch: Batch, replayed: boolean): void;
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
      this.options.onAppended(batch, await this.appendWithRetries(batch));
    } catch (error) {
      this.failure ??= error instanceof CliError ? error : new CliError(String((error as Error).message ?? error));
      // Wake a reader waiting for room, so it sees the failure.
      for (const wake of this.roomWaiters.splice(0)) wake();
      throw this.failure;
    }
  }

  /** Whether the server found the batch already appended. */
  private async appendWithRetries(batch: Batch): Promise<boolean> {
    for (let transient = 0; ; ) {
      try {
        // The same key on every retry: a request that did land is answered, not appended again.
        return (await this.client.appendEvents(batch.missionId, batch.events, batch.idempotencyKey)).replayed;
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
        throw describeFailure(batch, error);
      }
    }
  }
}

/** `lines 3-1002 (mission x): <detail>`, with each field error on the line it came from. */
function describeFailure(batch: Batch, error: unknown): CliError {
  const where = `${lineRange(batch.lines)} (mission ${batch.missionId})`;
  if (!(error instanceof ApiError)) return new CliError(`${where}: ${(error as Error).message}`);
  const details = (error.problem.errors ?? []).map(({ path, message }) => {
    const match = /^events\[(\d+)\]\.?(.*)$/.exec(path);
    const line = match ? batch.lines[Number(match[1])] : undefined;
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
