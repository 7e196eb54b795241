// PostgreSQL goes away while the API and a worker run (a TCP proxy of the test's own is cut,
// dropping every connection in flight and refusing new ones), then comes back. The same
// processes must answer 503 + Retry-After problem+json promptly while it is gone, never
// exit, and recover by themselves, with nothing half-written.
import { ApiProcess, startApiProcess } from './support/api-process';
import { expectEventually } from './support/eventually';
import { expectLogIntactAndReadModelsReplayed, waitForProjectionsCaughtUp } from './support/replay-check';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish, sleep, startWriters } from './support/writers';

const MISSIONS = ['pg-fault-1', 'pg-fault-2', 'pg-fault-3'];
/** An append must be answered within this, database or not. */
const ANSWER_WITHIN_MS = 5_000;

describe('PostgreSQL outage', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let api: ApiProcess;
  let worker: WorkerProcess;

  beforeAll(async () => {
    db = await createTestDatabase('faults_pg');
    proxy = await startTcpProxy('127.0.0.1', Number(new URL(db.url).port || 5432));
    api = await startApiProcess(proxy.urlFor(db.url));
    worker = await startWorker(proxy.urlFor(db.url), api.redisPrefix);
  });

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await proxy?.close();
    await db?.drop();
  });

  it('answers 503 while it is gone, recovers by itself, and loses or half-writes nothing', async () => {
    for (const missionId of MISSIONS) expect((await api.request('POST', `/v1/missions/${missionId}/events`, establish(missionId))).status).toBe(201);
    const writers = startWriters(api.baseUrl, MISSIONS, 6, ANSWER_WITHIN_MS + 2_000);
    await expectEventually(() => expect(writers.acknowledged.size).toBeGreaterThan(30));

    // --- cut: every connection drops, new ones are refused
    const cutAt = Date.now();
    await proxy.cut();
    await expectEventually(() => expect(writers.answers.filter((a) => a.at > cutAt && a.status === 503).length).toBeGreaterThan(20), 10_000);

    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ready.body).toMatchObject({ status: 503, postgres: 'down', redis: 'up' });
    expect(ready.body.detail).toMatch(/PostgreSQL/);

    for (const path of [`/v1/missions/${MISSIONS[0]}/personnel`, `/v1/missions/${MISSIONS[0]}/funding`, '/v1/missions', `/v1/missions/${MISSIONS[0]}/events`]) {
      const started = Date.now();
      const read = await api.request('GET', path);
      expect({ path, status: read.status }).toEqual({ path, status: 503 });
      expect(read.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(read.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
    }
    await sleep(500);

    // --- restore: the same processes recover with no restart
    const restoredAt = Date.now();
    await proxy.restore();
    await expectEventually(() => expect(writers.answers.filter((a) => a.at > restoredAt && a.status === 201).length).toBeGreaterThan(30), 15_000);
    await writers.stop();

    const duringCut = writers.answers.filter((a) => a.at > cutAt && a.at < restoredAt);
    const failures = writers.answers.filter((a) => a.status !== 201 && a.status !== 503);
    expect(failures).toEqual([]); // no reset, no 500, no time-out
    for (const answer of duringCut.filter((a) => a.status === 503)) {
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
    }
    expect(Math.max(...writers.answers.map((a) => a.ms))).toBeLessThan(ANSWER_WITHIN_MS);

    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect((await api.request('GET', '/health/ready')).status).toBe(200);

    await waitForProjectionsCaughtUp((path) => api.request('GET', path));
    await expectLogIntactAndReadModelsReplayed((path) => api.request('GET', path), writers.acknowledged);
  });
});
