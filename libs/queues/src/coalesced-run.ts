// Many requests, few runs: at most one run in flight and one pending. A request made while a
// run is in flight joins the pending run, which starts when the in-flight one has settled, so
// whoever awaits a request awaits a run that started after it was made ("done as of then").
// Used for both ends of a wake-up: the API's nudges and the worker's catch-up trigger.

// The global setTimeout (not node:timers/promises), so that tests drive the spacing with fake
// timers instead of measuring the wall clock.
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RunsStoppedError extends Error {
  constructor() {
    super('shutting down: no further runs');
  }
}

export class CoalescedRun<T> {
  private inFlight?: Promise<T>;
  private pending?: Promise<T>;
  private lastStart = 0;
  private stopped = false;

  /**
   * @param minIntervalMs the least time between the starts of two runs (0: back to back); a
   * function is asked each time a run is about to start.
   */
  constructor(
    private readonly run: () => Promise<T>,
    private readonly minIntervalMs: number | (() => number) = 0,
  ) {}

  /** The result of the next run to start (rejects with its error, or RunsStoppedError after stop()). */
  request(): Promise<T> {
    this.pending ??= this.startAfterInFlight();
    return this.pending;
  }

  /** Runs already started finish; a pending one never starts. */
  stop(): void {
    this.stopped = true;
  }

  private async startAfterInFlight(): Promise<T> {
    await this.inFlight?.catch(() => undefined);
    const interval = typeof this.minIntervalMs === 'function' ? this.minIntervalMs() : this.minIntervalMs;
    const wait = this.lastStart + interval - Date.now();
    if (wait > 0) await delay(wait);
    this.pending = undefined; // requests from now on are for the run after this one
    if (this.stopped) throw new RunsStoppedError();
    this.lastStart = Date.now();
    const run = this.run();
    this.inFlight = run;
    try {
      return await run;
    } finally {
      if (this.inFlight === run) this.inFlight = undefined;
    }
  }
}
