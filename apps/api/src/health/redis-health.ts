import { Injectable, OnModuleInit } from '@nestjs/common';
import { isCluster, mastersOf, RedisClient, RedisConnections } from '@app/queues';

/**
 * A small Redis connection for readiness checks (the caller bounds each ping with a timeout).
 * On a Redis Cluster, the cluster must say it is ok (it stops serving every slot when a
 * master has been unreachable for cluster-node-timeout and no replica took over) and every
 * master this client knows must answer: a PING through the cluster client alone would reach
 * an arbitrary node.
 */
@Injectable()
export class RedisHealth implements OnModuleInit {
  private client?: RedisClient;

  constructor(private readonly connections: RedisConnections) {}

  onModuleInit(): void {
    this.client = this.connections.client('health'); // closed by RedisConnections
    void this.client.connect().catch(() => undefined);
  }

  async ping(): Promise<void> {
    if (!this.client) throw new Error('Redis readiness client not started');
    if (!isCluster(this.client)) {
      await this.client.ping();
      return;
    }
    const masters = mastersOf(this.client);
    if (masters.length === 0) throw new Error('no Redis Cluster master reachable');
    const [info] = await Promise.all([this.client.cluster('INFO'), ...masters.map((master) => master.ping())]);
    if (!/^cluster_state:ok\b/m.test(String(info))) throw new Error('Redis Cluster state is not ok');
  }
}
