// When a correction reaches a projection, the mission's past has changed: its state is folded
// again from the mission's whole log (missions are small; the log is per mission).
import { effectiveStream, RecordedEvent } from '@app/domain';
import { Projection } from './projection';

export function refoldMission<S>(projection: Projection<S>, log: ReadonlyArray<RecordedEvent>): S {
  if (projection.refold) return projection.refold(log);
  let state = projection.initial();
  for (const event of effectiveStream(log)) if (projection.handles.has(event.type)) state = projection.evolve(state, event);
  return state;
}
