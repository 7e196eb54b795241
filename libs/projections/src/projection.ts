// What every projection is: its name, the event types it handles, its pure fold (from
// @app/domain) and how its per-mission state is loaded from and saved to its tables for one
// generation. The runner does the rest; registry.ts lists the projections.
import { EventType, RecordedEvent } from '@app/domain';
import { Queryable } from '@app/event-store';
import { SqlParams } from './sql-params';

export interface Projection<State, Name extends string = string> {
  /** The one spelling of this projection's name (in projection_generations, the API, metrics). */
  name: Name;
  /** The event types its fold reads: the runner folds only these (the checkpoint still moves past the others). */
  handles: ReadonlySet<EventType>;
  /** Tables holding this projection's rows, each with a `generation` column. */
  tables: readonly string[];
  /**
   * True when a batch's state is only what that batch adds (rows appended, nothing read
   * back): its states are never carried from one step to the next (see state-cache.ts).
   */
  appendOnly?: boolean;
  initial(): State;
  evolve(state: State, event: RecordedEvent): State;
  /**
   * The state after several events of one mission, in log order: what the runner, a refold and
   * a rebuild call when the projection has it (history: one copy of its day list per batch
   * instead of one per event). Must equal folding them with `evolve`. Default: that fold.
   */
  evolveMany?(state: State, events: ReadonlyArray<RecordedEvent>): State;
  /**
   * The state as its rows hold it once written, which the runner keeps for its next step (see
   * state-cache.ts). For a state that tracks what the next write must store (history's
   * changed days); default: the state itself.
   */
  written?(state: State): State;
  /**
   * A mission's state from its whole log, corrections included: what a step computes when a
   * correction changed the mission's past (an incremental fold cannot undo an event). Default:
   * the effective stream's events it handles, folded with `evolve` (see refold.ts).
   */
  refold?(log: ReadonlyArray<RecordedEvent>): State;
  /** Current state of the given missions (missions without rows are left out). */
  load(db: Queryable, generation: number, missionIds: string[]): Promise<Map<string, State>>;
  /**
   * The statements (INSERT ... ON CONFLICT / UPDATE / DELETE, without RETURNING) that write the
   * state of every mission in the map: one per table, not per event. The runner sends the
   * writes of all projections, the checkpoints and the NOTIFY as one statement of
   * data-modifying CTEs, so no two of them may touch the same row. The states of `refolded`
   * missions replace everything of theirs: rows they no longer have go.
   */
  writes(generation: number, states: Map<string, State>, params: SqlParams, refolded: ReadonlySet<string>): string[];
}

/** Checks a projection against the interface while keeping its name's literal type (for ProjectionName). */
export const defineProjection = <Name extends string, State>(projection: Projection<State, Name>): Projection<State, Name> => projection;
