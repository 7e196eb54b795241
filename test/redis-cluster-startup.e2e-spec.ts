// A worker started while one Redis Cluster master is down (a restart, a failover) waits for
// the cluster instead of exiting: before, ioredis' connect() stayed pending with every node
// connection closed and Node exited with code 0, printing nothing.
import { startRedisCluster } from './support/redis-cluster';
import { createTestDatabase } from './support/test-database';
import { startWorker } from './support/worker-process';

it('a worker started while a master restarts waits for the cluster, then runs', async () => {
  const cluster = await startRedisCluster(3);
  const db = await createTestDatabase('redis_cluster_startup');
  try {
    const restarting = cluster.restart(cluster.ports[1], 4_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the master is down now
    const worker = await startWorker(db.url, `mt-test-startup-${process.pid}`, { REDIS_CLUSTER_NODES: cluster.nodes, PROJECTION_PARTITIONS: '4' });
    expect(worker.output()).toContain('worker running');
    await worker.kill('SIGTERM');
    await restarting;
  } finally {
    await cluster.stop();
    await db.drop();
  }
}, 120_000);
