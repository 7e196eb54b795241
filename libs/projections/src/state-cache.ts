// The projection states this runner last wrote, kept so that its next step of the same
// partition need not read them back (a round trip per projection per step, most of a step's
// cost when steps follow single-event appends).
//
// Valid by construction, not by timing: rows of a generation in a partition are written only
// by a step that moves that generation's checkpoint there, in the same transaction. So when a
// step finds the checkpoint exactly where this runner's last committed step left it, nobody
// else (another worker, after a takeover) has written those rows since, and the states this
// runner wrote are what the tables hold. When the checkpoint is anywhere else, the entry is
// dropped and the step reads the tables. Entries are updated only after a commit. The states
// are shared with later folds, which is safe because folds never change the state they are
// given (registry.spec.ts checks it); append-only projections are never cached.
import { ProjectionName } from './registry';

interface Entry {
  /** The checkpoint this runner's last committed step left. */
  position: number;
  /** States as of `position`, of the missions that step or earlier ones touched. */
  states: Map<string, unknown>;
}

/** An entry holding more missions than this is dropped (the next step reads from the tables). */
export const MAX_CACHED_MISSIONS = 5_000;

type Generation = `${ProjectionName}/${number}`;

export class ProjectionStateCache {
  /** Per partition, per projection generation. */
  private readonly partitions = new Map<number, Map<Generation, Entry>>();
  private partitionCount?: number;

  /** What this runner wrote of the generation, if its checkpoint in the partition is still `position`. */
  valid(name: ProjectionName, generation: number, partition: number, position: number): Map<string, unknown> | undefined {
    const entries = this.partitions.get(partition);
    const entry = entries?.get(`${name}/${generation}`);
    if (!entry) return undefined;
    if (entry.position === position) return entry.states;
    entries!.delete(`${name}/${generation}`);
    return undefined;
  }

  /**
   * After a commit that moved the generation's checkpoint in the partition from `from` to `to`
   * and wrote `written` (the states of the missions it folded; none when it folded nothing).
   */
  committed(name: ProjectionName, generation: number, partition: number, from: number, to: number, written: Map<string, unknown>): void {
    let entries = this.partitions.get(partition);
    if (!entries) this.partitions.set(partition, (entries = new Map()));
    const key: Generation = `${name}/${generation}`;
    const entry = entries.get(key);
    const states = entry && entry.position === from ? entry.states : new Map<string, unknown>();
    for (const [missionId, state] of written) states.set(missionId, state);
    if (states.size > MAX_CACHED_MISSIONS) entries.delete(key);
    else entries.set(key, { position: to, states });
  }

  /**
   * Forgets a partition's generations other than these (replaced by a rebuild, retired), and
   * everything when the stored partition count is not the one the entries were made under (a
   * re-partition gives partition numbers other missions).
   */
  keepOnly(partitionCount: number, partition: number, current: { name: ProjectionName; generation: number }[]): void {
    if (partitionCount !== this.partitionCount) {
      this.partitions.clear();
      this.partitionCount = partitionCount;
    }
    const entries = this.partitions.get(partition);
    if (!entries) return;
    const kept = new Set(current.map((c) => `${c.name}/${c.generation}`));
    for (const key of entries.keys()) if (!kept.has(key)) entries.delete(key);
  }
}
