// The service on a Redis Cluster of the test's own (3 masters from the machine's redis-server,
// test/support/redis-cluster.ts): an API and a worker process with REDIS_CLUSTER_NODES and 4
// projection partitions. The partition queues hash to slots on different masters; appends are
// projected, through the partition queues too (and through them alone when nothing else wakes
// the worker); the queue board, rate limiting and readiness work there; a master restarted
// mid-run loses nothing and its queues are worked again; the whole cluster gone is reported,
// appends carry on, and the rate limiter lets requests through.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigModule, loadConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { partitionOf } from '@app/domain';
import { EventStore } from '@app/event-store';
import { checkPartitionsAt, ProjectionRunnerModule } from '@app/projections';
import { allQueues, openRedis, projectionQueue, QueuesModule, RedisConnections } from '@app/queues';
import { CatchUpTrigger } from '../apps/worker/src/catch-up-trigger';
import { ProjectionProcessor } from '../apps/worker/src/projection.processor';
import { PartitionOwner } from '../apps/worker/src/partition-owner';
import { ApiProcess, startApiProcess } from './support/api-process';
import { ADMIN_DATABASE_URL } from './support/environment';
import { command, context, established, personnelEvent } from './support/events';
import { expectEventually } from './support/eventually';
import { RedisCluster, startRedisCluster } from './support/redis-cluster';
import { expectLogIntactAndReadModelsReplayed, waitForProjectionsCaughtUp } from './support/replay-check';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish, sleep, startWriters } from './support/writers';

const PARTITIONS = 4;
/** A slow or absent Redis (or shard) must not slow the write path. */
const APPEND_WITHIN_MS = 1_000;

/** `each` mission ids in every partition, so that every partition queue gets nudges. */
function missionsCovering(partitions: number, each: number): string[] {
  const byPartition = Array.from({ length: partitions }, () => [] as string[]);
  for (let i = 0; byPartition.some((ids) => ids.length < each); i++) {
    const id = `cluster-m-${i}`;
    const ids = byPartition[partitionOf(id, partitions)];
    if (ids.length < each) ids.push(id);
  }
  return byPartition.flat();
}
const MISSIONS = missionsCovering(PARTITIONS, 2);

describe('on a Redis Cluster', () => {
  let cluster: RedisCluster;
  let db: TestDatabase;
  let api: ApiProcess;
  let worker: WorkerProcess;
  /** An in-process API of the same deployment, rate limited, for the limiter's tests. */
  let limited: TestApi;
  /** The test's own view of the queues, opened by the service's own code. */
  let connections: RedisConnections;
  const prefix = `mt-test-cluster-${randomBytes(4).toString('hex')}`;
  let env: Record<string, string>;
  const get = (path: string) => api.request('GET', path);

  const slotOf = async (key: string) => Number(await cluster.cli(cluster.ports[0], 'cluster', 'keyslot', key));
  const partitionQueue = (partition: number) => connections.queue(projectionQueue(partition), 'board');

  beforeAll(async () => {
    cluster = await startRedisCluster();
    db = await createTestDatabase('redis_cluster');
    env = { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: prefix, PROJECTION_PARTITIONS: String(PARTITIONS), RATE_LIMIT_PER_MINUTE: '1000000' };
    api = await startApiProcess(db.url, env);
    worker = await startWorker(db.url, prefix, env);
    // A prefix of its own: rate-limit counts are shared by every API of one prefix.
    limited = await startTestApi(db.url, { REDIS_CLUSTER_NODES: cluster.nodes, PROJECTION_PARTITIONS: String(PARTITIONS), RATE_LIMIT_PER_MINUTE: '3' });
    connections = new RedisConnections(loadConfig({ ...env, DATABASE_URL: db.url }));
    for (const missionId of MISSIONS) expect((await api.request('POST', `/v1/missions/${missionId}/events`, establish(missionId))).status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await limited?.close();
    await connections?.onApplicationShutdown();
    await cluster?.stop(); // its keys go with it
    await db?.drop();
  });

  it('hashes each partition queue to a slot of its own, the queues spread over at least 2 of the 3 masters', async () => {
    for (const partitions of [PARTITIONS, 8]) {
      const masters = new Set<number>();
      for (let partition = 0; partition < partitions; partition++) {
        const { name } = projectionQueue(partition);
        const slot = await slotOf(`${prefix}:${name}:wait`);
        // Every key of one queue shares the slot (BullMQ's scripts touch several at once).
        expect(await slotOf(`${prefix}:${name}:meta`)).toBe(slot);
        expect(await slotOf(`${prefix}:${name}:de:catch-up`)).toBe(slot);
        masters.add(await cluster.masterOfSlot(slot));
      }
      expect({ partitions, masters: masters.size }).toEqual({ partitions, masters: expect.any(Number) });
      expect(masters.size).toBeGreaterThanOrEqual(2);
    }
  });

  it('projects appends to missions of every partition, each partition queue worked on the master of its slot', async () => {
    const writers = startWriters(api.baseUrl, MISSIONS, 4);
    try {
      await expectEventually(() => expect(writers.acknowledged.size).toBeGreaterThan(40));
    } finally {
      await writers.stop();
    }
    expect(writers.answers.filter((a) => a.status !== 201)).toEqual([]);

    await waitForProjectionsCaughtUp(get);
    await expectLogIntactAndReadModelsReplayed(get, writers.acknowledged);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const { name } = projectionQueue(partition);
      await expectEventually(async () => expect((await partitionQueue(partition).getJobCounts('completed')).completed).toBeGreaterThan(0));
      // The queue's keys are on the master that serves their slot (redis-cli asks that node alone).
      const master = await cluster.masterOfSlot(await slotOf(`${prefix}:${name}:id`));
      expect({ name, onMaster: await cluster.cli(master, 'exists', `${prefix}:${name}:id`) }).toEqual({ name, onMaster: '1' });
    }
  });

  it('drives a projection by a BullMQ nudge on the cluster alone (no NOTIFY listener, no sweep)', async () => {
    const nudgeDb = await createTestDatabase('redis_cluster_nudge');
    const nudgeEnv = { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: `${prefix}-nudge`, PROJECTION_PARTITIONS: String(PARTITIONS) };
    const config = loadConfig({ ...nudgeEnv, DATABASE_URL: nudgeDb.url, LOG_LEVEL: 'silent' });
    // The worker's queue path and nothing else: its partition queues' consumers and the
    // catch-up trigger, without the append listener (NOTIFY) and the sweep.
    await checkPartitionsAt(nudgeDb.url, PARTITIONS); // what start:worker does first: the log is empty, so the count is set
    @Module({ imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), ProjectionRunnerModule, QueuesModule], providers: [PartitionOwner, CatchUpTrigger, ProjectionProcessor] })
    class QueueOnlyWorker {}
    const queueOnly = await NestFactory.createApplicationContext(QueueOnlyWorker, { logger: false });
    await queueOnly.init();
    const nudgeApi = await startTestApi(nudgeDb.url, nudgeEnv);
    try {
      const missionId = MISSIONS[5];
      const projected = async () => (await nudgeApi.request('GET', `/v1/missions/${missionId}/personnel`)).body.pledged;
      // Appended without a nudge (the event store alone; its NOTIFY has no listener): nothing wakes the worker.
      await new EventStore(nudgeDb.pool).append(missionId, command({ expectedVersion: 0, events: [established(), personnelEvent('PersonnelPledged', 'KEN', 7)] }), context());
      await sleep(2_500);
      const before = (await nudgeApi.request('GET', '/v1/projections')).body.projections as { position: number; headPosition: number }[];
      expect(before.every((p) => p.position === 0 && p.headPosition === 2)).toBe(true);
      // An append through the API nudges the mission's partition queue on the cluster; that job alone projects both appends.
      expect((await nudgeApi.request('POST', `/v1/missions/${missionId}/events`, { body: { events: [personnelEvent('PersonnelPledged', 'KEN', 3)] } })).status).toBe(201);
      await expectEventually(async () => expect(await projected()).toBe(10), 10_000);
      const queue = new RedisConnections(config);
      try {
        const [job] = await queue.queue(projectionQueue(partitionOf(missionId, PARTITIONS)), 'board').getJobs(['completed'], 0, 0);
        expect(job?.returnvalue.applied).toBeGreaterThan(0); // that job's catch-up did the folding
      } finally {
        await queue.onApplicationShutdown();
      }
    } finally {
      await nudgeApi.close();
      await queueOnly.close();
      await nudgeDb.drop();
    }
  });

  it('shows every queue on the queue board, with a job', async () => {
    const board = (path: string) => fetch(`${api.baseUrl}/admin/queues/api${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const active = projectionQueue(2).name;
    const listed = await board(`/queues?activeQueue=${encodeURIComponent(active)}&status=completed&page=1`);
    expect(listed.status).toBe(200);
    const { queues } = (await listed.json()) as { queues: { name: string; counts: Record<string, number>; jobs: { id: string; name: string }[] }[] };
    expect(queues.map((queue) => queue.name)).toEqual(allQueues(PARTITIONS).map((queue) => queue.name));
    const shown = queues.find((queue) => queue.name === active)!;
    expect(shown.counts.completed).toBeGreaterThan(0);
    expect(shown.jobs[0]).toMatchObject({ name: 'catch-up' });
    const job = await board(`/queues/${encodeURIComponent(active)}/${shown.jobs[0].id}`);
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({ job: { id: shown.jobs[0].id, name: 'catch-up' } });
    // The Redis panel (INFO from every master).
    expect((await board('/redis/stats')).status).toBe(200);
  });

  it('rate limits per API key with its counts on the cluster, and reports Redis ready', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.request('GET', '/v1/missions')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const redis = openRedis(loadConfig(env), 'tooling');
    try {
      expect(Number(await redis.get(`${limited.redisPrefix}:rate-limit:key:bootstrap`))).toBe(4);
    } finally {
      redis.disconnect();
    }
    expect(await get('/health/ready')).toMatchObject({ status: 200, body: { status: 'ok', postgres: 'up', redis: 'up' } });
  });

  it('loses nothing when a master restarts mid-run, and every partition queue is worked again after', async () => {
    const victim = await cluster.masterOfSlot(await slotOf(`${prefix}:${projectionQueue(1).name}:id`));
    const writers = startWriters(api.baseUrl, MISSIONS, 4, APPEND_WITHIN_MS * 5);
    let restartedAt = 0;
    let backAt = 0;
    try {
      await expectEventually(() => expect(writers.acknowledged.size).toBeGreaterThan(30));
      // Down for longer than cluster-node-timeout (2 s): the cluster marks it failed and, with
      // no replica to promote, refuses every slot until it is back.
      restartedAt = Date.now();
      await cluster.restart(victim, 3_000);
      backAt = Date.now();
      await expectEventually(() => expect(writers.answers.filter((a) => a.at > backAt && a.status === 201).length).toBeGreaterThan(30), 15_000);
    } finally {
      await writers.stop();
    }

    expect(writers.answers.filter((a) => a.at > restartedAt && a.at < backAt).length).toBeGreaterThan(20);
    expect(writers.answers.filter((a) => a.status !== 201)).toEqual([]);
    expect(writers.answers.filter((a) => a.ms >= APPEND_WITHIN_MS)).toEqual([]);
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    await waitForProjectionsCaughtUp(get, 30_000);
    await expectLogIntactAndReadModelsReplayed(get, writers.acknowledged);
    // The durable path is back on every shard: each partition queue completed a job since
    // (the restarted master lost its queues' keys; its blocking clients had to reconnect).
    for (let partition = 0; partition < PARTITIONS; partition++) {
      await expectEventually(
        async () => {
          const [job] = await partitionQueue(partition).getJobs(['completed'], 0, 0);
          expect({ partition, finishedAfterRestart: (job?.finishedOn ?? 0) > backAt }).toEqual({ partition, finishedAfterRestart: true });
        },
        45_000,
        500,
      );
    }
  }, 150_000);

  it('reports Redis down while the whole cluster is, keeps appending, lets rate-limited requests through, and recovers', async () => {
    const leaving = await startWorker(db.url, prefix, { ...env, SHUTDOWN_TIMEOUT_MS: '2000' });
    await cluster.kill();
    let restarted = false;
    try {
      // A worker stopped meanwhile does not wait for Redis for ever (its graceful close is bounded).
      const stopping = Date.now();
      await leaving.kill('SIGTERM');
      expect(Date.now() - stopping).toBeLessThan(2_000 + 3_000);

      await expectEventually(async () => {
        const ready = await get('/health/ready');
        expect(ready).toMatchObject({ status: 503, body: { postgres: 'up', redis: 'down' } });
        expect(ready.body.detail).toMatch(/Redis/);
      }, 15_000);
      const appended = new Set<string>();
      for (const missionId of MISSIONS.slice(0, 3)) {
        const started = Date.now();
        const response = await api.request('POST', `/v1/missions/${missionId}/events`, { events: [personnelEvent('PersonnelPledged', 'JAM', 2)] });
        expect({ status: response.status, fast: Date.now() - started < APPEND_WITHIN_MS, detail: response.body.detail }).toEqual({ status: 201, fast: true, detail: undefined });
        for (const event of response.body.events) appended.add(event.id);
      }
      // Past the limit of 3 already, but its counts are out of reach: the limiter fails open.
      for (let i = 0; i < 4; i++) expect((await limited.request('GET', '/v1/missions')).status).toBe(200);

      await cluster.start();
      restarted = true;
      await expectEventually(async () => expect((await get('/health/ready')).status).toBe(200), 30_000, 200);
      await waitForProjectionsCaughtUp(get, 30_000);
      await expectLogIntactAndReadModelsReplayed(get, appended);
      expect(api.child.exitCode).toBeNull();
      expect(worker.child.exitCode).toBeNull();
    } finally {
      await leaving.kill('SIGKILL');
      if (!restarted) await cluster.start(); // for the processes' clean shutdown
    }
  }, 120_000);
});

describe('start-up without its Redis Cluster', () => {
  /** A loopback port nothing listens on. */
  const closedPort = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  it('exits with one line naming the seeds, how to start it and REDIS_CLUSTER_NODES', async () => {
    const seeds = `127.0.0.1:${await closedPort()},127.0.0.1:${await closedPort()}`;
    const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'apps', 'worker', 'src', 'main.js')], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: ADMIN_DATABASE_URL, REDIS_CLUSTER_NODES: seeds, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect({ code, lines: output.trim().split('\n').length }).toEqual({ code: 1, lines: 1 });
    expect(output).toContain(`Redis is not reachable at Redis Cluster ${seeds}`);
    expect(output).toMatch(/docs\/scaling\.md.*REDIS_CLUSTER_NODES/);
  }, 30_000);
});
