// The checkpoints a read depends on, as one server sees them. The one place the routing reads
// projection positions (the replica's catch-up poll, the lag probes), through the projections'
// own query: a replicated row, so a replica that shows checkpoint >= N has the rows of N.
import { Queryable } from '@app/event-store';
import { liveCheckpoint, liveGeneration, ProjectionName } from '@app/projections';

/** Each projection's live position: in the mission's partition, or the lowest over partitions without one. */
export async function readCheckpoints(db: Queryable, names: readonly ProjectionName[], missionId?: string): Promise<Record<string, number>> {
  const checkpoints: Record<string, number> = {};
  for (const name of names) checkpoints[name] = (missionId === undefined ? await liveGeneration(db, name) : await liveCheckpoint(db, name, missionId)).position;
  return checkpoints;
}

/** The lowest of the checkpoints: what a read of all of them together reflects. */
export const lowest = (checkpoints: Record<string, number>): number => Math.min(...Object.values(checkpoints));
