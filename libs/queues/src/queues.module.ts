// The one Nest module that makes Redis connections, imported by both processes: the clients,
// BullMQ producers and (in the worker) BullMQ workers of RedisConnections, the nudger, and
// the number of projection partitions the queues are named after.
import { Global, Module } from '@nestjs/common';
import { projectionPartitionCountProvider, PROJECTION_PARTITION_COUNT } from './partition-count';
import { ProjectionNudger } from './projection-nudger';
import { RedisConnections } from './redis-connections';

@Global()
@Module({
  providers: [RedisConnections, ProjectionNudger, projectionPartitionCountProvider],
  exports: [RedisConnections, ProjectionNudger, PROJECTION_PARTITION_COUNT],
})
export class QueuesModule {}
