import { loadConfig } from '@app/config';
import { partitionOf } from '@app/domain';
import { allQueues, projectionQueue, projectionQueueOf, queuePrefix } from './queues';
import { clusterOptions, REDIS_CLIENTS } from './redis-connection';

describe('queue names', () => {
  it('gives every projection partition a queue of its own hash tag', () => {
    expect(allQueues(4).map((queue) => queue.name)).toEqual(['{proj-0}', '{proj-1}', '{proj-2}', '{proj-3}']);
    expect(allQueues(1).map((queue) => queue.name)).toEqual(['{proj-0}']);
  });

  it("sends a mission's nudges to its partition's queue", () => {
    for (const missionId of ['mss-haiti', 'mission-1', 'x']) expect(projectionQueueOf(missionId, 7).name).toBe(`{proj-${partitionOf(missionId, 7)}}`);
  });

  it('keeps REDIS_PREFIX outside the hash tag, so the queue name alone picks the slot', () => {
    expect(queuePrefix(loadConfig({ REDIS_PREFIX: 'mt-x' }))).toBe('mt-x');
    expect(projectionQueue(3)).toMatchObject({ name: '{proj-3}', concurrency: 1 });
  });
});

describe('cluster client options', () => {
  it('puts the offline queue, lazy connecting and reconnecting on the cluster client, the rest on its nodes', () => {
    const options = clusterOptions({ ...REDIS_CLIENTS.startupCheck });
    expect(options).toMatchObject({ enableOfflineQueue: false, lazyConnect: true, clusterRetryStrategy: REDIS_CLIENTS.startupCheck.retryStrategy, slotsRefreshTimeout: 2_000 });
    // On the nodes, enableOfflineQueue: false would keep the cluster from connecting (ioredis #581).
    expect(options.redisOptions).toEqual({ maxRetriesPerRequest: 0, connectTimeout: 3_000 });
    expect(clusterOptions({ ...REDIS_CLIENTS.worker })).toEqual(expect.objectContaining({ redisOptions: { maxRetriesPerRequest: null } }));
    expect(clusterOptions({ ...REDIS_CLIENTS.worker })).not.toHaveProperty('enableOfflineQueue');
  });
});
