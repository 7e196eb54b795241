// `status`: health, head position, projection lag and queue depth, in a few lines.
import { ApiClient, ApiError } from './api-client';
import { CliError } from './cli-error';

export async function showStatus(client: ApiClient, print: (line: string) => void): Promise<void> {
  const [ready, projections, metrics] = await Promise.all([
    client.readiness(),
    // Projections need an admin key; without one the rest is still worth showing.
    client.projections().catch((error: unknown) => {
      if (error instanceof ApiError) return `unavailable (HTTP ${error.status}: ${error.message})`;
      throw error;
    }),
    client.metrics().catch(() => null),
  ]);

  const isReady = ready.ready;
  print(`${'api'.padEnd(12)}${client.url} ${isReady ? 'ready' : 'NOT READY'} (PostgreSQL ${ready.postgres ?? '?'}, Redis ${ready.redis ?? '?'})`);
  if (ready.degraded) print(`${'degraded'.padEnd(12)}${ready.detail ?? 'a projection partition is stuck or failed'}`);
  for (const replica of ready.replicas ?? []) {
    const lag = replica.lagSeconds === null ? '' : `, ${replica.lagSeconds} s behind`;
    print(`${'replica'.padEnd(12)}${replica.name} ${replica.state}${lag}${replica.state === 'up' ? '' : ' (its reads go to the primary)'}`);
  }
  if (typeof projections === 'string') {
    print(`${'projections'.padEnd(12)}${projections}`);
  } else {
    const head = projections[0]?.headPosition ?? 0;
    const worst = projections.reduce((max, p) => (p.lagEvents > max.lagEvents || p.lagSeconds > max.lagSeconds ? p : max), projections[0]);
    const unwell = projections.filter((p) => p.status !== 'live').map((p) => `${p.name} ${p.status}`);
    print(`${'head'.padEnd(12)}position ${head}`);
    print(
      `${'lag'.padEnd(12)}${worst ? `${worst.lagEvents} events, ${worst.lagSeconds} s (largest: ${worst.name})` : 'no projections'}` +
        (unwell.length > 0 ? `; ${unwell.join(', ')}` : `; all ${projections.length} live`),
    );
  }
  print(`${'queue'.padEnd(12)}${metrics === null ? 'unavailable (GET /metrics failed)' : queueDepth(metrics)}`);
  if (!isReady) throw new CliError(`not ready: ${ready.detail ?? 'a dependency is down'}`);
}

/** `mission_tracker_queue_jobs{queue="projections",state="waiting"} 3` lines, summed per state. */
function queueDepth(metrics: string): string {
  const byState = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const match = /^mission_tracker_queue_jobs\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const state = /state="([^"]*)"/.exec(match[1])?.[1] ?? '?';
    byState.set(state, (byState.get(state) ?? 0) + Number(match[2]));
  }
  if (byState.size === 0) return 'unknown (Redis down?)';
  return [...byState].map(([state, count]) => `${count} ${state}`).join(', ');
}
