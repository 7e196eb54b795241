// The API's Prometheus metrics, in a registry of this app instance's own (tests start several
// apps in one process; the global default registry would make them collide).
import { Injectable, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { within } from '@app/config';
import { PartitionStatus, ProjectionStatuses } from '@app/projections';
import { ProjectionNudger } from '@app/queues';

/** A scrape never waits longer than this on PostgreSQL or Redis; what is not there is left out. */
const SCRAPE_TIMEOUT_MS = 2_000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

@Injectable()
export class ApiMetrics implements OnModuleInit {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  /** Counted by the append endpoint: events committed, not replayed idempotent answers. */
  readonly eventsAppended = new Counter({
    name: 'mission_tracker_events_appended_total',
    help: 'Events appended to the log through this process',
    registers: [this.registry],
  });

  // Position, lag and queue depth are read at scrape time, not kept up to date in between.
  private readonly projectionPosition: Gauge<'projection'> = new Gauge({
    name: 'mission_tracker_projection_position',
    help: 'Log position the live read model of each projection reflects',
    labelNames: ['projection'] as const,
    registers: [this.registry],
    collect: async () => {
      const statuses = await this.statuses.current();
      this.projectionPosition.reset();
      for (const { name, position } of statuses ?? []) this.projectionPosition.set({ projection: name }, position);
    },
  });

  private readonly projectionLag: Gauge<'projection'> = new Gauge({
    name: 'mission_tracker_projection_lag_events',
    help: 'Events in the log that each projection has not applied yet',
    labelNames: ['projection'] as const,
    registers: [this.registry],
    collect: async () => {
      const statuses = await this.statuses.current();
      this.projectionLag.reset();
      for (const { name, lagEvents } of statuses ?? []) this.projectionLag.set({ projection: name }, lagEvents);
    },
  });

  private readonly projectionLagSeconds: Gauge<'projection'> = new Gauge({
    name: 'mission_tracker_projection_lag_seconds',
    help: 'Age of the oldest event each projection has not applied yet (grows when a projection has stopped)',
    labelNames: ['projection'] as const,
    registers: [this.registry],
    collect: async () => {
      const statuses = await this.statuses.current();
      this.projectionLagSeconds.reset();
      for (const { name, lagSeconds } of statuses ?? []) this.projectionLagSeconds.set({ projection: name }, lagSeconds);
    },
  });

  private readonly projectionHealth: Gauge<'projection' | 'condition'> = new Gauge({
    name: 'mission_tracker_projection_condition',
    help: 'Projection conditions: failed (a poison event, needs a fix and a rebuild), waiting (an event this release cannot read yet, retried), rebuilding, stuck (a partition not advancing while events wait)',
    labelNames: ['projection', 'condition'] as const,
    registers: [this.registry],
    collect: async () => {
      const statuses = await this.statuses.current();
      this.projectionHealth.reset();
      for (const status of statuses ?? []) {
        this.projectionHealth.set({ projection: status.name, condition: 'failed' }, status.status === 'failed' ? 1 : 0);
        this.projectionHealth.set({ projection: status.name, condition: 'waiting' }, status.retry ? 1 : 0);
        this.projectionHealth.set({ projection: status.name, condition: 'rebuilding' }, status.rebuild ? 1 : 0);
        this.projectionHealth.set({ projection: status.name, condition: 'stuck' }, status.partitions.some((p) => p.status === 'stuck') ? 1 : 0);
      }
    },
  });

  // Per partition (PROJECTION_PARTITIONS): which one lags, and which one is stuck.
  private readonly partitionLag = this.partitionGauge('mission_tracker_projection_partition_lag_events', 'Events of each partition a projection has not applied yet', (p) => p.lagEvents);
  private readonly partitionLagSeconds = this.partitionGauge(
    'mission_tracker_projection_partition_lag_seconds',
    'Age of the oldest event of each partition a projection has not applied yet',
    (p) => p.lagSeconds,
  );
  private readonly partitionStuck = this.partitionGauge(
    'mission_tracker_projection_partition_stuck',
    'Partitions whose events wait while the checkpoint has not moved for longer than PROJECTION_STUCK_SECONDS (1 stuck, 0 not)',
    (p) => (p.status === 'stuck' ? 1 : 0),
  );

  private readonly queueJobs: Gauge<'queue' | 'state'> = new Gauge({
    name: 'mission_tracker_queue_jobs',
    help: 'Jobs in the projections queues (every partition queue, summed) by state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      const counts = await within(Promise.all(this.nudger.queues.map((queue) => queue.getJobCounts(...QUEUE_STATES))), SCRAPE_TIMEOUT_MS).catch(() => null);
      this.queueJobs.reset();
      if (!counts) return; // Redis (or one of its shards) is down
      for (const state of QUEUE_STATES) this.queueJobs.set({ queue: 'projections', state }, counts.reduce((sum, count) => sum + (count[state] ?? 0), 0));
    },
  });

  constructor(
    /** Shared with /health/ready: one status read a second at most. */
    private readonly statuses: ProjectionStatuses,
    private readonly nudger: ProjectionNudger,
  ) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge with one series per projection and partition, read at scrape time. */
  private partitionGauge(name: string, help: string, value: (partition: PartitionStatus) => number): Gauge<'projection' | 'partition'> {
    const gauge: Gauge<'projection' | 'partition'> = new Gauge({
      name,
      help,
      labelNames: ['projection', 'partition'] as const,
      registers: [this.registry],
      collect: async () => {
        const statuses = await this.statuses.current();
        gauge.reset();
        for (const status of statuses ?? []) {
          for (const partition of status.partitions) gauge.set({ projection: status.name, partition: String(partition.partition) }, value(partition));
        }
      },
    });
    return gauge;
  }

  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    // Unmatched URLs share one label: a raw URL per series would let any client grow the registry.
    this.httpRequestDuration.observe({ method, route: route ?? 'unmatched', status: String(status) }, seconds);
  }
}
