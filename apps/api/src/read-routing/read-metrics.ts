// What the routing of read-model reads exposes on /metrics: reads per server, why the primary
// answered when a replica was wanted, and each replica's state and lag (as its last probe saw it).
import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { ApiMetrics } from '../metrics/api-metrics';
import { ReplicaMonitor } from './replica-monitor';
import { ReplicaState } from './replica-policy';

/** replica: a replica answered; primary: the primary by design (no replicas, or a read only it can serve); fallback: the primary instead of a replica. */
export type ServedVia = 'replica' | 'primary' | 'fallback';
/** unavailable: every replica down or lagging; down: the chosen one failed; behind: it had not replayed minPosition in time; conflict: its query was cancelled by replay; not-found: a 404 confirmed on the primary. */
export type FallbackReason = 'unavailable' | 'down' | 'behind' | 'conflict' | 'not-found';

const STATES: ReplicaState[] = ['up', 'lagging', 'down'];

@Injectable()
export class ReadMetrics {
  private readonly reads: Counter<'server' | 'via'>;
  private readonly fallbacks: Counter<'reason'>;

  constructor(metrics: ApiMetrics, monitor: ReplicaMonitor) {
    const registers = [metrics.registry];
    this.reads = new Counter({
      name: 'mission_tracker_read_model_reads_total',
      help: 'Read-model reads by the server that answered (primary, or a replica by host:port) and how it was chosen (replica, primary, fallback)',
      labelNames: ['server', 'via'] as const,
      registers,
    });
    this.fallbacks = new Counter({
      name: 'mission_tracker_replica_fallbacks_total',
      help: 'Read-model reads the primary answered instead of a replica, by reason (unavailable, down, behind, conflict, not-found)',
      labelNames: ['reason'] as const,
      registers,
    });
    if (monitor.replicas.length === 0) return;
    const state: Gauge<'replica' | 'state'> = new Gauge({
      name: 'mission_tracker_replica_state',
      help: 'Each replica: 1 for its state (up serves reads; lagging and down do not, the primary answers for them)',
      labelNames: ['replica', 'state'] as const,
      registers,
      collect: () => {
        for (const replica of monitor.report()) for (const s of STATES) state.set({ replica: replica.name, state: s }, replica.state === s ? 1 : 0);
      },
    });
    const lagSeconds: Gauge<'replica'> = new Gauge({
      name: 'mission_tracker_replica_lag_seconds',
      help: "How long each replica's projection checkpoints have been behind the primary's, at its last good probe",
      labelNames: ['replica'] as const,
      registers,
      collect: () => {
        lagSeconds.reset();
        for (const replica of monitor.report()) if (replica.lagSeconds !== null) lagSeconds.set({ replica: replica.name }, replica.lagSeconds);
      },
    });
    const lagEvents: Gauge<'replica'> = new Gauge({
      name: 'mission_tracker_replica_lag_events',
      help: "How many positions each replica's projection checkpoints are behind the primary's, at its last good probe",
      labelNames: ['replica'] as const,
      registers,
      collect: () => {
        lagEvents.reset();
        for (const replica of monitor.report()) if (replica.lagEvents !== null) lagEvents.set({ replica: replica.name }, replica.lagEvents);
      },
    });
  }

  served(server: string, via: ServedVia, reason?: FallbackReason): void {
    this.reads.inc({ server, via });
    if (reason) this.fallbacks.inc({ reason });
  }
}
