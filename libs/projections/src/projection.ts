// What every projection is: its pure fold (from @app/domain) and how its per-mission state
// is loaded from and saved to its tables for one generation. The runner does the rest.
import { RecordedEvent } from '@app/domain';
import { Queryable } from '@app/event-store';

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
  /** Writes the state of every mission in the map: one statement per table, not per event. */
  save(db: Queryable, generation: number, states: Map<string, State>): Promise<void>;
}
