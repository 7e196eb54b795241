import { Logger } from '@nestjs/common';

/**
 * A warning logged at most once per interval, with the count of those it swallowed: during an
 * outage the same failure happens thousands of times a second, and one line says as much.
 */
export class ThrottledWarning {
  private last = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more like it since the last report)` : '';
    this.last = now;
    this.suppressed = 0;
    this.logger.warn(`${message}${more}`);
  }
}
