// projection_generations: which generation of each projection reads use (live), which one a
// rebuild is filling (building), and how far each has got (position).
import { isDatabaseUnavailable } from '@app/database';
import { Queryable } from '@app/event-store';
import { ProjectionName } from './registry';

/** First key of the two-key advisory locks of projections ("mt"). */
export const PROJECTION_LOCK_CLASS = 0x6d74;

export interface Generation {
  name: ProjectionName;
  generation: number;
  state: 'live' | 'building' | 'retired';
  position: number;
  lastError: string | null;
  /** Set while the log holds an event this code cannot read yet; retried with backoff. */
  waiting: { reason: string; attempts: number; retryAt: Date } | null;
  /** False while a waiting generation's next retry is not due. */
  due: boolean;
  updatedAt: Date;
}

interface GenerationRow {
  name: ProjectionName;
  generation: number;
  state: Generation['state'];
  position: number;
  last_error: string | null;
  waiting_reason: string | null;
  waiting_attempts: number;
  retry_at: Date | null;
  due: boolean;
  updated_at: Date;
}

const toGeneration = (r: GenerationRow): Generation => ({
  name: r.name,
  generation: r.generation,
  state: r.state,
  position: r.position,
  lastError: r.last_error,
  waiting: r.waiting_reason ? { reason: r.waiting_reason, attempts: r.waiting_attempts, retryAt: r.retry_at ?? r.updated_at } : null,
  due: r.due,
  updatedAt: r.updated_at,
});

const GENERATION_COLUMNS = `name, generation, state, position, last_error, waiting_reason, waiting_attempts, retry_at,
  (retry_at IS NULL OR retry_at <= now()) AS due, updated_at`;

/** Live and building generations of one projection (or of all, when name is omitted). */
export async function currentGenerations(db: Queryable, name?: ProjectionName): Promise<Generation[]> {
  const { rows } = await db.query<GenerationRow>(
    `SELECT ${GENERATION_COLUMNS} FROM projection_generations
     WHERE state IN ('live', 'building') AND ($1::text IS NULL OR name = $1) ORDER BY name, generation`,
    [name ?? null],
  );
  return rows.map(toGeneration);
}

/**
 * What a projection step begins with, in one round trip (a simple-protocol multi-statement
 * query; nothing in it takes parameters): BEGIN, take the projections' lock, read the live
 * and building generations (see stepGenerations).
 *
 * The step commits without waiting for its WAL flush (synchronous_commit off). Read models
 * are derived data and their checkpoint is in the same transaction: a database crash can
 * only lose the last steps whole, which the runner then applies again from the checkpoint.
 * Exactly-once holds; a projection may step back to an earlier position after such a crash.
 */
export const BEGIN_STEP = `BEGIN; SET LOCAL synchronous_commit TO off; SELECT pg_advisory_xact_lock(${PROJECTION_LOCK_CLASS}, 0);
  SELECT ${GENERATION_COLUMNS} FROM projection_generations
  WHERE state IN ('live', 'building') ORDER BY name, generation`;

/** The generations read by BEGIN_STEP. */
export function stepGenerations(begun: unknown): Generation[] {
  return (begun as { rows: GenerationRow[] }[])[3].rows.map(toGeneration);
}

/** The generation reads use, with the position it reflects. */
export async function liveGeneration(db: Queryable, name: ProjectionName): Promise<{ generation: number; position: number }> {
  const { rows } = await db.query<{ generation: number; position: number }>(
    `SELECT generation, position FROM projection_generations WHERE name = $1 AND state = 'live'`,
    [name],
  );
  if (!rows[0]) throw new Error(`projection ${name} has no live generation`);
  return rows[0];
}

/**
 * Serialises everything that changes the projections: at most one worker applies a batch at
 * a time, across processes and machines, with no coordinator but PostgreSQL. Held until the
 * transaction ends. (One lock for all projections: they advance together, see the runner.)
 */
export async function lockProjections(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(${PROJECTION_LOCK_CLASS}, 0)`);
}

/** Errors worth retrying (connection trouble, deadlock, lock or statement timeouts). */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return isDatabaseUnavailable(error) || ['40001', '40P01', '55P03', '57014', '53300'].includes(code ?? '');
}
