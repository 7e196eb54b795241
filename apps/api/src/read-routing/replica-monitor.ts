// The replicas of DATABASE_REPLICA_URLS: a read pool each, and a probe every second that
// reads each one's checkpoints (through a pool of its own, so reads queueing for connections
// never delay it) and compares them with the primary's. A replica that cannot be reached is
// down; one too far behind is lagging; ReplicaPolicy decides which one serves the next read.
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { AppConfig, CONFIG, within } from '@app/config';
import { createPool, Database, DATABASE } from '@app/database';
import { PROJECTION_NAMES } from '@app/projections';
import { CheckpointHistory } from './checkpoint-lag';
import { readCheckpoints } from './read-checkpoints';
import { DEFAULT_REPLICA_POLICY, ReplicaHealth, ReplicaPolicy } from './replica-policy';

const PROBE_INTERVAL_MS = 1_000;
/** A replica that takes longer than this to connect or answer a probe counts as down. */
const REPLICA_TIMEOUT_MS = 1_000;
/** Seen in pg_stat_activity on the replicas. */
export const REPLICA_READS_APPLICATION = 'mission-tracker-api-reads';
const REPLICA_PROBE_APPLICATION = 'mission-tracker-replica-probe';

export interface Replica {
  index: number;
  /** host:port, for metrics, health and logs (never the password). */
  name: string;
  pool: Pool;
}

export interface ReplicaReport extends ReplicaHealth {
  name: string;
}

/** host:port of each URL, numbered when two are the same. */
function replicaNames(urls: readonly string[]): string[] {
  const names = urls.map((url) => {
    const { hostname, port } = new URL(url);
    return `${hostname}:${port || 5432}`;
  });
  return names.map((name, i) => (names.indexOf(name) === i ? name : `${name}#${i + 1}`));
}

@Injectable()
export class ReplicaMonitor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaMonitor.name);
  readonly replicas: Replica[];
  private readonly probePools: Pool[];
  private readonly policy: ReplicaPolicy;
  private readonly history = new CheckpointHistory();
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(DATABASE) private readonly database: Database,
  ) {
    // Pools connect lazily: nothing touches a replica before the first probe or read.
    const urls = config.DATABASE_REPLICA_URLS;
    const names = replicaNames(urls);
    const options = { connectionTimeoutMillis: REPLICA_TIMEOUT_MS };
    this.replicas = urls.map((url, index) => ({
      index,
      name: names[index],
      pool: createPool(url, config.DATABASE_POOL_SIZE, { ...options, applicationName: REPLICA_READS_APPLICATION }),
    }));
    this.probePools = urls.map((url) => createPool(url, 1, { ...options, applicationName: REPLICA_PROBE_APPLICATION }));
    this.policy = new ReplicaPolicy(urls.length, DEFAULT_REPLICA_POLICY);
  }

  onModuleInit(): void {
    if (this.replicas.length === 0) return;
    const loop = () => {
      this.probing = this.probe().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, PROBE_INTERVAL_MS).unref();
      });
    };
    loop();
  }

  /** The replica for the next read, or undefined when none is usable (the primary answers). */
  next(): Replica | undefined {
    const index = this.policy.next();
    return index === undefined ? undefined : this.replicas[index];
  }

  /** A read could not reach the replica: skip it until a probe finds it again. */
  failed(replica: Replica, error: unknown): void {
    const wasUp = this.policy.health(replica.index).state !== 'down';
    this.policy.failed(replica.index, Date.now());
    if (wasUp) this.logger.warn(`replica ${replica.name} unreachable (${(error as Error).message}); its reads go to the primary`);
  }

  report(): ReplicaReport[] {
    return this.replicas.map((replica) => ({ name: replica.name, ...this.policy.health(replica.index) }));
  }

  /** One round: the primary's checkpoints, then every replica's, compared. */
  private async probe(): Promise<void> {
    const sampled = Date.now();
    const primary = await within(readCheckpoints(this.database.pool, PROJECTION_NAMES), REPLICA_TIMEOUT_MS).catch(() => null);
    // With the primary unreachable the history stands still: replicas are compared with what it last had.
    if (primary) this.history.record(sampled, primary);
    await Promise.all(
      this.replicas.map(async (replica) => {
        const before = this.policy.health(replica.index).state;
        try {
          const checkpoints = await within(readCheckpoints(this.probePools[replica.index], PROJECTION_NAMES), REPLICA_TIMEOUT_MS);
          const now = Date.now();
          this.policy.probed(replica.index, now, { seconds: this.history.lagSeconds(checkpoints, now), events: this.history.lagEvents(checkpoints) });
        } catch (error) {
          this.policy.failed(replica.index, Date.now());
          if (before !== 'down') this.logger.warn(`replica ${replica.name} unreachable (${(error as Error).message}); its reads go to the primary`);
        }
        const after = this.policy.health(replica.index).state;
        if (after !== before && after !== 'down') this.logger.log(`replica ${replica.name} is ${after === 'up' ? 'serving reads again' : 'lagging: its reads go to the primary'}`);
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.probing?.catch(() => undefined);
    await Promise.all([...this.replicas.map((r) => r.pool), ...this.probePools].map((pool) => pool.end().catch(() => undefined)));
  }
}
