// Start-up check: a missing Redis (or Redis Cluster) is reported in one clear line (which,
// where, how to start it) instead of a stack trace.
import { AppConfig, DependencyUnavailableError } from '@app/config';
import { isCluster, mastersOf, openRedis, redisLocation } from './redis-connection';

export async function checkRedis(config: AppConfig): Promise<void> {
  const client = openRedis(config, 'startupCheck');
  // connect() rejects with a bare "Connection is closed"; the 'error' event says why.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  // A cluster reports its nodes' own failures (ECONNREFUSED, ...) apart from its own summary.
  let nodeCause: Error | undefined;
  client.on('node error', (error: Error) => (nodeCause ??= error));
  try {
    await client.connect();
    // On a cluster, every master must answer (a key's commands go to its slot's master).
    await Promise.all(mastersOf(client).map((node) => node.ping()));
  } catch (error) {
    const failure = (cause ?? error) as Error;
    const reason = nodeCause ? `${failure.message.replace(/\.$/, '')}: ${nodeCause.message}` : failure.message;
    const hint = isCluster(client)
      ? 'Start it (see "Redis Cluster" in docs/scaling.md) or set REDIS_CLUSTER_NODES.'
      : 'Start it (for example: redis-server --daemonize yes, or docker compose up -d redis) or set REDIS_URL.';
    throw new DependencyUnavailableError(`Redis is not reachable at ${redisLocation(config)} (${reason}). ${hint}`);
  } finally {
    client.disconnect();
  }
}
