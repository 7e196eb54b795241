// Which replica serves the next read-model read: round-robin over the replicas that are up
// and not too far behind; none (the primary answers) when every one is down or lagging. Pure:
// the monitor tells it what its probes saw, the router what its reads met; time is passed in.

export type ReplicaState = 'up' | 'lagging' | 'down';

export interface ReplicaPolicyOptions {
  /** A replica further behind the primary than this (seconds) serves no reads until it catches up. */
  maxLagSeconds: number;
  /** A replica that failed (refused, timed out, dropped) is skipped at least this long, then re-admitted by a good probe. */
  downForMs: number;
}

export const DEFAULT_REPLICA_POLICY: ReplicaPolicyOptions = { maxLagSeconds: 2, downForMs: 2_000 };

export interface ReplicaHealth {
  state: ReplicaState;
  /** How far behind the primary its last good probe found it; null before one. */
  lagSeconds: number | null;
  lagEvents: number | null;
}

interface Tracked extends ReplicaHealth {
  downUntil: number;
}

export class ReplicaPolicy {
  private readonly replicas: Tracked[];
  private cursor = 0;

  constructor(
    count: number,
    private readonly options: ReplicaPolicyOptions = DEFAULT_REPLICA_POLICY,
  ) {
    // Until the first probe, a replica is tried: a read that finds it down falls back at once.
    this.replicas = Array.from({ length: count }, () => ({ state: 'up' as ReplicaState, lagSeconds: null, lagEvents: null, downUntil: 0 }));
  }

  /** The replica for the next read (round-robin over the usable ones), or undefined: read the primary. */
  next(): number | undefined {
    const count = this.replicas.length;
    for (let step = 0; step < count; step++) {
      const index = (this.cursor + step) % count;
      if (this.replicas[index].state === 'up') {
        this.cursor = (index + 1) % count;
        return index;
      }
    }
    return undefined;
  }

  /** A read or a probe could not reach the replica: skip it for a while. */
  failed(index: number, now: number): void {
    const replica = this.replicas[index];
    replica.state = 'down';
    replica.downUntil = now + this.options.downForMs;
  }

  /** A probe reached the replica and measured its lag; a replica down stays so until its time is served. */
  probed(index: number, now: number, lag: { seconds: number; events: number }): void {
    const replica = this.replicas[index];
    replica.lagSeconds = lag.seconds;
    replica.lagEvents = lag.events;
    if (replica.state === 'down' && now < replica.downUntil) return;
    replica.state = lag.seconds > this.options.maxLagSeconds ? 'lagging' : 'up';
  }

  health(index: number): ReplicaHealth {
    const { state, lagSeconds, lagEvents } = this.replicas[index];
    return { state, lagSeconds, lagEvents };
  }

  get size(): number {
    return this.replicas.length;
  }
}
