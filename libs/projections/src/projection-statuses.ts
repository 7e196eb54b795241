// The projections' status as the API's public endpoints show it (/metrics, /health/ready):
// one read per second at most, shared by every caller, bounded in time. Both endpoints
// need no key and are polled by load balancers and scrapers; without the sharing each
// request would run the whole status transaction (a lag query per partition).
import { within } from '@app/config';
import { ProjectionAdmin, ProjectionStatus } from './projection-admin';

/** Callers within this interval share one read. */
export const STATUS_CACHE_MS = 1_000;
/** A read not answered by then counts as unknown (the read itself is cancelled in PostgreSQL). */
export const STATUS_WAIT_MS = 2_000;

export class ProjectionStatuses {
  private pending: Promise<ProjectionStatus[] | null> | null = null;
  private cached?: { at: number; value: ProjectionStatus[] | null };

  constructor(private readonly admin: ProjectionAdmin) {}

  /** The latest statuses; null while PostgreSQL is down or slow. */
  current(): Promise<ProjectionStatus[] | null> {
    if (this.cached && Date.now() - this.cached.at < STATUS_CACHE_MS) return Promise.resolve(this.cached.value);
    this.pending ??= within(this.admin.statuses(), STATUS_WAIT_MS)
      .catch(() => null)
      .then((value) => {
        this.cached = { at: Date.now(), value };
        return value;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}
