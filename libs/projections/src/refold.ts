// When a correction reaches a projection, the mission's past has changed: its state is folded
// again from the mission's whole log (missions are small; the log is per mission).
import { effectiveStream, RecordedEvent } from '@app/domain';
import { Projection } from './projection';

export function refoldMission<S>(projection: Projection<S>, log: ReadonlyArray<RecordedEvent>): S {
  if (projection.refold) return projection.refold(log);
  return evolveAll(projection, projection.initial(), effectiveStream(log).filter((event) => projection.handles.has(event.type)));
}

/** One mission's events folded onto its state, with evolveMany when the projection has it. */
export function evolveAll<S>(projection: Projection<S>, state: S, events: ReadonlyArray<RecordedEvent>): S {
  if (projection.evolveMany) return projection.evolveMany(state, events);
  for (const event of events) state = projection.evolve(state, event);
  return state;
}
