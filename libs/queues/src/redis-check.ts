// Start-up check: a missing Redis (or Redis Cluster) is reported in one clear line (which,
// where, how to start it) instead of a stack trace.
//
// A cluster with one master down (restarting, failing over) is waited for, up to 30 s: a
// master refuses, or ioredis' connect() neither resolves nor rejects — and then, with every
// node connection closed, Node would exit with code 0 and nothing printed (seen: a worker
// started while a master restarted). Each attempt is bounded by a timer that keeps the
// process alive. A cluster no seed answers for fails at once.
import { AppConfig, DependencyUnavailableError } from '@app/config';
import { isCluster, mastersOf, openRedis, redisLocation } from './redis-connection';

/** One attempt's bound. */
const ATTEMPT_MS = 3_000;
/** How long a cluster that does not answer in full is waited for before giving up. */
const CLUSTER_WAIT_MS = 30_000;

class StillConnecting extends Error {}

export async function checkRedis(config: AppConfig): Promise<void> {
  const deadline = Date.now() + CLUSTER_WAIT_MS;
  for (;;) {
    try {
      return await attempt(config);
    } catch (error) {
      if (!(error instanceof StillConnecting)) throw error;
      if (Date.now() >= deadline) {
        throw new DependencyUnavailableError(
          `Redis is not ready at ${redisLocation(config)}: it did not answer in full within ${CLUSTER_WAIT_MS / 1000} s (a Redis Cluster master down or failing over?). ` +
            'Check it with redis-cli --cluster check, or set REDIS_CLUSTER_NODES / REDIS_URL.',
        );
      }
    }
  }
}

async function attempt(config: AppConfig): Promise<void> {
  const client = openRedis(config, 'startupCheck');
  // connect() rejects with a bare "Connection is closed"; the 'error' event says why.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  // A cluster reports its nodes' own failures (ECONNREFUSED, ...) apart from its own summary.
  let nodeCause: Error | undefined;
  client.on('node error', (error: Error) => (nodeCause ??= error));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StillConnecting()), ATTEMPT_MS);
  });
  try {
    // On a cluster, every master must answer (a key's commands go to its slot's master).
    await Promise.race([client.connect().then(() => Promise.all(mastersOf(client).map((node) => node.ping()))), timedOut]);
  } catch (error) {
    if (error instanceof StillConnecting) throw error;
    // Some seed answered with the cluster's slots but a master refused: it is restarting.
    if (isCluster(client) && mastersOf(client).length > 0) throw new StillConnecting();
    const failure = (cause ?? error) as Error;
    const reason = nodeCause ? `${failure.message.replace(/\.$/, '')}: ${nodeCause.message}` : failure.message;
    const hint = isCluster(client)
      ? 'Start it (see "Redis Cluster" in docs/scaling.md) or set REDIS_CLUSTER_NODES.'
      : 'Start it (for example: redis-server --daemonize yes, or docker compose up -d redis) or set REDIS_URL.';
    throw new DependencyUnavailableError(`Redis is not reachable at ${redisLocation(config)} (${reason}). ${hint}`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
