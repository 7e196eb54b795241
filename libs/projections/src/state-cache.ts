// The projection states this runner last wrote, kept so that its next step of the same
// partition need not read them back (a round trip per projection per step, most of a step's
// cost when steps follow single-event appends).
//
// Valid by construction, not by timing: rows of a generation in a partition are written only
// by a step that moves that generation's checkpoint there, in the same transaction. So when a
// step finds the checkpoint exactly where this runner's last committed step left it, nobody
// else (another worker, after a takeover) has written those rows since, and the states this
// runner wrote are what the tables hold. When the checkpoint is anywhere else, the entry is
// dropped and the step reads the tables. Entries are updated only after a commit.
import { ProjectionName } from './registry';

interface Entry {
  /** The checkpoint this runner's last committed step left. */
  position: number;
  /** States as of `position`, of the missions that step or earlier ones touched. */
  states: Map<string, unknown>;
}

/** An entry holding more missions than this is dropped (the next step reads from the tables). */
export const MAX_CACHED_MISSIONS = 5_000;

export class ProjectionStateCache {
  private readonly entries = new Map<string, Entry>();

  /** What this runner wrote of the generation, if its checkpoint in the partition is still `position`. */
  valid(name: ProjectionName, generation: number, partition: number, position: number): Map<string, unknown> | undefined {
    const key = keyOf(name, generation, partition);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.position === position) return entry.states;
    this.entries.delete(key);
    return undefined;
  }

  /**
   * After a commit that moved the generation's checkpoint in the partition from `from` to `to`
   * and wrote `written` (the states of the missions it folded; none when it folded nothing).
   */
  committed(name: ProjectionName, generation: number, partition: number, from: number, to: number, written: Map<string, unknown>): void {
    const key = keyOf(name, generation, partition);
    const entry = this.entries.get(key);
    const states = entry && entry.position === from ? entry.states : new Map<string, unknown>();
    for (const [missionId, state] of written) states.set(missionId, state);
    if (states.size > MAX_CACHED_MISSIONS) this.entries.delete(key);
    else this.entries.set(key, { position: to, states });
  }

  /** Forgets a partition's generations other than these (replaced by a rebuild, retired). */
  keepOnly(partition: number, current: { name: ProjectionName; generation: number }[]): void {
    const kept = new Set(current.map((c) => keyOf(c.name, c.generation, partition)));
    for (const key of this.entries.keys()) if (key.endsWith(`/${partition}`) && !kept.has(key)) this.entries.delete(key);
  }
}

const keyOf = (name: string, generation: number, partition: number) => `${name}/${generation}/${partition}`;
