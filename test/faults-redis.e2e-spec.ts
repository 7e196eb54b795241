// Redis goes away while the API and a worker run (a TCP proxy of the test's own is cut), then
// comes back. Appends must still be answered 201 promptly (the log is in PostgreSQL; a nudge
// through Redis is best effort), reads keep working, readiness names Redis, and when it is
// back the projections catch up by themselves and equal the replay.
import Redis from 'ioredis';
import { ApiProcess, startApiProcess } from './support/api-process';
import { TEST_REDIS_URL } from './support/environment';
import { expectEventually } from './support/eventually';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { expectLogIntactAndReadModelsReplayed, waitForProjectionsCaughtUp } from './support/replay-check';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish, sleep, startWriters } from './support/writers';

const MISSIONS = ['redis-fault-1', 'redis-fault-2', 'redis-fault-3'];
/** A slow or absent Redis must not slow the write path. */
const APPEND_WITHIN_MS = 1_000;

describe('Redis outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let api: ApiProcess;
  let worker: WorkerProcess;
  /** The real Redis, not through the proxy, to look at the queue's keys. */
  const redis = new Redis(TEST_REDIS_URL);

  beforeAll(async () => {
    db = await createTestDatabase('faults_redis');
    const redis = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    const env = { REDIS_URL: proxy.urlFor(TEST_REDIS_URL) };
    api = await startApiProcess(db.url, env);
    worker = await startWorker(db.url, api.redisPrefix, env);
  });

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await proxy?.close();
    await db?.drop();
    redis.disconnect();
    if (api) await deleteRedisPrefix(TEST_REDIS_URL, api.redisPrefix).catch(() => undefined);
  });

  it('keeps appending and reading while it is gone, and the projections catch up when it is back', async () => {
    for (const missionId of MISSIONS) expect((await api.request('POST', `/v1/missions/${missionId}/events`, establish(missionId))).status).toBe(201);
    const writers = startWriters(api.baseUrl, MISSIONS, 4, APPEND_WITHIN_MS * 5);
    await expectEventually(() => expect(writers.acknowledged.size).toBeGreaterThan(20));

    const jobsBeforeCut = Number(await redis.get(`${api.redisPrefix}:{proj-0}:id`));
    // --- cut
    const cutAt = Date.now();
    await proxy.cut();
    await expectEventually(async () => {
      const ready = await api.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ postgres: 'up', redis: 'down' });
      expect(ready.body.detail).toMatch(/Redis/);
    }, 10_000);
    const reads = [`/v1/missions/${MISSIONS[0]}/personnel`, `/v1/missions/${MISSIONS[1]}/funding`, '/v1/missions', `/v1/missions/${MISSIONS[2]}/timeline`];
    for (const path of reads) expect({ path, status: (await api.request('GET', path)).status }).toEqual({ path, status: 200 });
    // Long enough for the nudger's and BullMQ's own time-outs and reconnect attempts to show.
    await sleep(3_000);
    const restoredAt = Date.now();
    await proxy.restore();

    await expectEventually(() => expect(writers.answers.filter((a) => a.at > restoredAt && a.status === 201).length).toBeGreaterThan(20), 10_000);
    await writers.stop();

    const duringCut = writers.answers.filter((a) => a.at > cutAt && a.at < restoredAt);
    expect(duringCut.length).toBeGreaterThan(20);
    expect(duringCut.filter((a) => a.status !== 201)).toEqual([]);
    const slow = writers.answers.filter((a) => a.ms >= APPEND_WITHIN_MS);
    expect(slow).toEqual([]);

    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    await expectEventually(async () => expect((await api.request('GET', '/health/ready')).status).toBe(200), 10_000);

    await waitForProjectionsCaughtUp((path) => api.request('GET', path));
    await expectLogIntactAndReadModelsReplayed((path) => api.request('GET', path), writers.acknowledged);
    // The queue works again: nudges sent after the restore became jobs, and the worker took them.
    await expectEventually(async () => {
      const jobs = await redis.get(`${api.redisPrefix}:{proj-0}:id`);
      expect(Number(jobs)).toBeGreaterThan(jobsBeforeCut);
      expect(await redis.llen(`${api.redisPrefix}:{proj-0}:wait`)).toBe(0);
    }, 10_000);
  });
});
