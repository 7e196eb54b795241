// The checkpoints a read depends on, as one server sees them. The one place the routing reads
// projection positions (the replica's catch-up poll, the lag probes), through the projections'
// own query: a replicated row, so a replica that shows checkpoint >= N has the rows of N.
import { Queryable } from '@app/event-store';
import { liveGeneration, ProjectionName } from '@app/projections';

export async function readCheckpoints(db: Queryable, names: readonly ProjectionName[]): Promise<Record<string, number>> {
  const checkpoints: Record<string, number> = {};
  for (const name of names) checkpoints[name] = (await liveGeneration(db, name)).position;
  return checkpoints;
}

/** The lowest of the checkpoints: what a read of all of them together reflects. */
export const lowest = (checkpoints: Record<string, number>): number => Math.min(...Object.values(checkpoints));
