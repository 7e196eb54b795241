// What every projection is: its pure fold (from @app/domain) and how its per-mission state
// is loaded from and saved to its tables for one generation. The runner does the rest.
import { RecordedEvent } from '@app/domain';
import { Queryable } from '@app/event-store';
import { SqlParams } from './sql-params';

export const PROJECTION_NAMES = ['personnel', 'funding', 'timeline', 'missions'] as const;
export type ProjectionName = (typeof PROJECTION_NAMES)[number];

export const isProjectionName = (name: string): name is ProjectionName => (PROJECTION_NAMES as readonly string[]).includes(name);

export interface Projection<State> {
  name: ProjectionName;
  /** Tables holding this projection's rows, each with a `generation` column. */
  tables: readonly string[];
  initial(): State;
  evolve(state: State, event: RecordedEvent): State;
  /** Current state of the given missions (missions without rows are left out). */
  load(db: Queryable, generation: number, missionIds: string[]): Promise<Map<string, State>>;
  /**
   * The statements (INSERT ... ON CONFLICT / UPDATE, without RETURNING) that write the state of
   * every mission in the map: one per table, not per event. The runner sends the writes of
   * all projections, the checkpoints and the NOTIFY as one statement of data-modifying CTEs.
   */
  writes(generation: number, states: Map<string, State>, params: SqlParams): string[];
}
