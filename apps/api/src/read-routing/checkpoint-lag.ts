// How far a replica is behind, measured by what its reads depend on: the projections'
// checkpoints (replicated rows). The primary's checkpoints are sampled every probe; a replica
// whose checkpoints are below what the primary had at time t has not replayed that commit, so
// it is at least now - t behind. (PostgreSQL's own `now() - pg_last_xact_replay_timestamp()`
// reads as minutes behind on the first commit after an idle spell: not what readers see.)

export type Checkpoints = Readonly<Record<string, number>>;

interface Sample {
  at: number;
  checkpoints: Checkpoints;
}

/** Samples older than this are dropped; a replica behind all of them is at least this far behind. */
const HISTORY_MS = 60_000;

export class CheckpointHistory {
  private samples: Sample[] = [];

  /** The primary's checkpoints as read at `at` (ms). */
  record(at: number, checkpoints: Checkpoints): void {
    this.samples.push({ at, checkpoints });
    while (this.samples.length > 1 && this.samples[0].at < at - HISTORY_MS) this.samples.shift();
  }

  /** Seconds since the primary first had a checkpoint the replica has not reached; 0 when it has them all. */
  lagSeconds(replica: Checkpoints, now: number): number {
    const behind = this.samples.find((sample) => isAhead(sample.checkpoints, replica));
    return behind ? Math.max(0, now - behind.at) / 1000 : 0;
  }

  /** Events (in positions) the replica's checkpoints are behind the primary's latest, at most over projections. */
  lagEvents(replica: Checkpoints): number {
    const latest = this.samples.at(-1)?.checkpoints ?? {};
    return Math.max(0, ...Object.entries(latest).map(([name, position]) => position - (replica[name] ?? 0)));
  }
}

const isAhead = (primary: Checkpoints, replica: Checkpoints) => Object.entries(primary).some(([name, position]) => position > (replica[name] ?? 0));
