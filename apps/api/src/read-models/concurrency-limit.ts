/**
 * At most `running` holders at once and `waiting` more in line; beyond that, acquire()
 * rejects at once (the caller answers "busy" instead of queueing without bound).
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly running: number,
    private readonly waiting: number,
  ) {}

  /** Resolves with the release function once a slot is free. */
  acquire(): Promise<() => void> {
    if (this.active < this.running) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.waiting) return Promise.reject(new Error('too many waiting'));
    return new Promise((resolve) => this.queue.push(() => resolve(this.releaser())));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    };
  }
}
