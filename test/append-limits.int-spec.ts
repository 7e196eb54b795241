// The append path under a stalled writer and overload, against the real PostgreSQL: no
// writer can block the others for long, the queue of waiting appends is bounded, and one bad
// request never fails the batch it would have shared.
import { AppendCommand, NewEvent } from '@app/domain';
import { AppendQueueFullError, AppendQueueShareExceededError, AppendTimedOutError, EventStore, UnstorableEventError } from '@app/event-store';
import { AppendBatcher } from '../libs/event-store/src/append-batcher';
import { APPEND_LOCK } from '../libs/event-store/src/append-transaction';
import { command, context, established, personnelEvent } from './support/events';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi } from './support/test-api';

describe('append limits', () => {
  let db: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('append_limits');
    store = new EventStore(db.pool);
    await store.append('limits', command({ events: [established()] }), context());
  });
  afterAll(() => db.drop());

  const eventCount = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;

  /** Another session holding the append lock, as a stalled API process would. */
  async function holdAppendLock(): Promise<() => Promise<void>> {
    const client = await db.pool.connect();
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    return async () => {
      await client.query('ROLLBACK');
      client.release();
    };
  }

  it('an append waiting behind a stalled writer gives up in seconds with AppendTimedOutError, appending nothing', async () => {
    const before = await eventCount();
    const release = await holdAppendLock();
    const started = Date.now();
    try {
      await expect(store.append('limits', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] }), context())).rejects.toBeInstanceOf(
        AppendTimedOutError,
      );
    } finally {
      await release();
    }
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(await eventCount()).toBe(before);
    // and once the stall is over, appends go through again
    const { result } = await store.append('limits', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] }), context());
    expect(result.events).toHaveLength(1);
  }, 20_000);

  it('refuses appends at once when too many events wait in the process, and serves those queued once unblocked', async () => {
    const batcher = new AppendBatcher(db.pool, { concurrentBatches: 1, maxEvents: 5, maxQueuedEvents: 20 });
    // Several keys, so that no key's share (see the next test) is what refuses.
    const request = (key = 'test') => ({ missionId: 'limits', command: command({ events: Array.from({ length: 5 }, () => personnelEvent('PersonnelPledged', 'KEN', 1)) }), context: context(key) });
    const release = await holdAppendLock();
    const accepted: Promise<unknown>[] = [];
    try {
      accepted.push(batcher.submit(request())); // running (blocked on the lock)
      for (let i = 0; i < 4; i++) accepted.push(batcher.submit(request(`key-${i}`))); // 20 events queued
      await expect(batcher.submit(request('key-new'))).rejects.toBeInstanceOf(AppendQueueFullError);
    } finally {
      await release();
    }
    const results = await Promise.all(accepted);
    expect(results).toHaveLength(5);
    // the queue drained: a new request is accepted again
    await expect(batcher.submit(request())).resolves.toMatchObject({ replayed: false });
  }, 20_000);

  it('gives no key the whole queue: a key flooding it is refused while other keys still get in', async () => {
    const batcher = new AppendBatcher(db.pool, { concurrentBatches: 1, maxEvents: 5, maxQueuedEvents: 40 });
    const request = (key: string) => ({ missionId: 'limits', command: command({ events: Array.from({ length: 5 }, () => personnelEvent('PersonnelPledged', 'KEN', 1)) }), context: context(key) });
    /** 'waiting' while the request is queued (the lock is held), else its error: a refusal is immediate. */
    const refusal = (submitted: Promise<unknown>) =>
      Promise.race([submitted.then(() => 'appended', (error: unknown) => error), new Promise((resolve) => setImmediate(resolve, 'waiting'))]);
    const release = await holdAppendLock();
    const accepted: Promise<unknown>[] = [];
    try {
      accepted.push(batcher.submit(request('flooder'))); // running (blocked on the lock)
      let refused: unknown = 'waiting';
      for (let i = 0; i < 20 && refused === 'waiting'; i++) {
        const submitted = batcher.submit(request('flooder'));
        refused = await refusal(submitted);
        if (refused === 'waiting') accepted.push(submitted);
      }
      // The flooding key was refused, and other keys still get their requests queued.
      for (const key of ['quiet-a', 'quiet-b']) {
        const submitted = batcher.submit(request(key));
        expect(await refusal(submitted)).toBe('waiting');
        accepted.push(submitted);
      }
      expect(refused).toBeInstanceOf(AppendQueueShareExceededError);
    } finally {
      await release();
    }
    expect(await Promise.all(accepted)).toHaveLength(accepted.length);
  }, 20_000);

  it('refuses text PostgreSQL cannot store before it can fail a batch, and the others in flight succeed', async () => {
    const before = await eventCount();
    const poisoned: AppendCommand = command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] });
    (poisoned.events[0] as NewEvent).metadata = { note: 'a\u0000b' };
    const lone: AppendCommand = command({ events: [{ type: 'SupportDeclared', occurredAt: '2024-01-01', data: { supporter: 'ok' } }] });
    (lone.events[0].data as { supporter: string }).supporter = 'x\ud800y';
    const good = Array.from({ length: 20 }, () => store.append('limits', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] }), context()));
    const bad = [store.append('limits', poisoned, context()), store.append('limits', lone, context())];
    const settled = await Promise.allSettled([...good, ...bad]);
    expect(settled.slice(0, 20).every((s) => s.status === 'fulfilled')).toBe(true);
    const errors = settled.slice(20).map((s) => (s as PromiseRejectedResult).reason);
    expect(errors[0]).toBeInstanceOf(UnstorableEventError);
    expect(errors[0].path).toBe('events[0].metadata.note');
    expect(errors[1].path).toBe('events[0].data.supporter');
    expect(await eventCount()).toBe(before + 20);
  });

  it('over HTTP a stalled writer means 503 with Retry-After, as problem+json, within seconds', async () => {
    const api = await startTestApi(db.url);
    const release = await holdAppendLock();
    try {
      const response = await api.request('POST', '/v1/missions/limits/events', { body: { events: [personnelEvent('PersonnelPledged', 'KEN', 1)] } });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: '/problems/database-busy', status: 503 });
    } finally {
      await release();
      await api.close();
    }
  }, 20_000);

  it('refuses an instant past 9999-12-31 UTC', async () => {
    const late = command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] });
    (late.events[0] as NewEvent).occurredAt = new Date(Date.UTC(10000, 0, 1, 13, 59, 59));
    await expect(store.append('limits', late, context())).rejects.toMatchObject({ path: 'events[0].occurredAt' });
  });
});
