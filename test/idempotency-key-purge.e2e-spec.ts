// The purge of expired idempotency keys (kept 24 hours, CONTRACT section 4) must keep
// running whatever happens to Redis: a flush or a restart of Redis erases anything scheduled
// there, so it runs from a timer in each worker process, as the projection sweep does.
import { randomBytes } from 'node:crypto';
import { EventStore } from '@app/event-store';
import { TEST_REDIS_URL } from './support/environment';
import { expectEventually } from './support/eventually';
import { command, context, established, personnelEvent } from './support/events';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';

describe('idempotency key purge', () => {
  let db: TestDatabase;
  let store: EventStore;
  const workers: WorkerProcess[] = [];
  const prefix = `mt-test-purge-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase('key_purge');
    store = new EventStore(db.pool);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await deleteRedisPrefix(TEST_REDIS_URL, prefix);
    await db?.drop();
  });

  const keys = async () =>
    (await db.pool.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE principal = 'purged' ORDER BY key`)).rows.map((row) => row.key);

  it('goes on after Redis is flushed, in every worker, and leaves the fresh keys', async () => {
    const env = { IDEMPOTENCY_PURGE_INTERVAL_MS: '500' };
    workers.push(await startWorker(db.url, prefix, env), await startWorker(db.url, prefix, env));
    await deleteRedisPrefix(TEST_REDIS_URL, prefix); // as a FLUSHALL or a restart of Redis would

    const keyed = (key: string) => ({ ...context('purged'), idempotency: { key, requestHash: key } });
    await store.append('purged', command({ events: [established()] }), keyed('expired-1'));
    await store.append('purged', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] }), keyed('expired-2'));
    await store.append('purged', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 2)] }), keyed('fresh'));
    await db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE principal = 'purged' AND key LIKE 'expired-%'`);

    await expectEventually(async () => expect(await keys()).toEqual(['fresh']), 15_000, 100);
    for (const worker of workers) expect(worker.output()).not.toMatch(/"level":(50|60)|ERROR/);
  }, 60_000);
});
