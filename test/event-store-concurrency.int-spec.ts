// The event store under concurrency, against the real PostgreSQL.
import { PoolClient } from 'pg';
import { DomainError } from '@app/domain';
import { EventStore } from '@app/event-store';
import { AppendBatcher } from '../libs/event-store/src/append-batcher';
import { APPEND_LOCK } from '../libs/event-store/src/append-transaction';
import { expectEventually } from './support/eventually';
import { command, context, established, personnelEvent } from './support/events';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** A session of the test's own holding a lock (`sql`) in an open transaction until released. */
async function holdLock(db: TestDatabase, sql: string, params: unknown[] = []): Promise<() => Promise<void>> {
  const client: PoolClient = await db.pool.connect();
  await client.query('BEGIN');
  await client.query(sql, params);
  return async () => {
    await client.query('ROLLBACK');
    client.release();
  };
}

/** Waits until this many sessions of the test database wait on a lock of that kind ('advisory', 'transactionid'...). */
async function untilWaiting(db: TestDatabase, lock: string, count = 1): Promise<void> {
  await expectEventually(async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1`,
      [lock],
    );
    expect(rows[0].n).toBe(count);
  }, 5_000, 10);
}

describe('event store under concurrency', () => {
  let db: TestDatabase;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('concurrency');
    store = new EventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('a reader paging the global feed during 8 concurrent writers sees every committed event exactly once, in increasing position', async () => {
    const WRITERS = 8;
    const STREAMS_PER_WRITER = 6;
    const APPENDS_PER_WRITER = 60;
    const acknowledged: number[] = [];
    let writing = true;

    const writer = async (w: number) => {
      const streams = Array.from({ length: STREAMS_PER_WRITER }, (_, s) => `conc-${w}-${s}`);
      for (const missionId of streams) {
        const result = await store.append(missionId, command({ events: [established()] }), context());
        acknowledged.push(...result.result.events.map((e) => e.position));
      }
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        const missionId = streams[i % streams.length];
        // Mix single events and batches so transactions of different lengths interleave.
        const size = i % 3 === 0 ? 25 : 1 + (i % 4);
        const events = Array.from({ length: size }, () => personnelEvent('PersonnelPledged', 'KEN', 1));
        const result = await store.append(missionId, command({ events }), context());
        acknowledged.push(...result.result.events.map((e) => e.position));
      }
    };

    const seen: number[] = [];
    const reader = async () => {
      let after = 0;
      // Keep paging while writers run, then one last pass once everything is committed.
      for (let drained = false; !drained; ) {
        const finalPass = !writing;
        const page = await store.readAll(after, 7);
        for (const event of page.events) seen.push(event.position);
        after = page.next;
        if (page.events.length === 0 && finalPass) drained = true;
      }
    };

    const readerDone = reader();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await readerDone;

    expect(acknowledged.length).toBeGreaterThan(2000);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual([...acknowledged].sort((a, b) => a - b));
  });

  it('N concurrent appends with the same expectedVersion: exactly one wins, the others conflict, the stream has no gap', async () => {
    await store.append('race', command({ events: [established()] }), context());
    const attempts = await Promise.allSettled(
      Array.from({ length: 12 }, () =>
        store.append('race', command({ expectedVersion: 1, events: [personnelEvent('PersonnelPledged', 'KEN', 5)] }), context()),
      ),
    );
    const won = attempts.filter((a) => a.status === 'fulfilled');
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(11);
    for (const failure of lost) {
      expect(failure.reason).toBeInstanceOf(DomainError);
      expect(failure.reason.code).toBe('version-conflict');
      expect(failure.reason.details.currentVersion).toBe(2);
    }
    const page = await store.readStream('race', 1, 100);
    expect(page!.events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('concurrent creation of one mission: one MissionEstablished wins, the rest are refused', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () => store.append('born-once', command({ events: [established()] }), context())),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const failure of attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')) {
      expect(['mission-already-established', 'version-conflict']).toContain(failure.reason.code);
    }
    expect((await store.readStream('born-once', 1, 10))!.events).toHaveLength(1);
  });

  it('two concurrent withdrawals that together exceed deployed: at most one succeeds', async () => {
    for (let round = 0; round < 10; round++) {
      const missionId = `withdraw-${round}`;
      await store.append(missionId, command({ events: [established(), personnelEvent('ContingentArrived', 'KEN', 100)] }), context());
      const attempts = await Promise.allSettled([
        store.append(missionId, command({ events: [personnelEvent('PersonnelWithdrawn', 'KEN', 60)] }), context()),
        store.append(missionId, command({ events: [personnelEvent('PersonnelWithdrawn', 'KEN', 60)] }), context()),
      ]);
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      const rejected = attempts.find((a): a is PromiseRejectedResult => a.status === 'rejected')!;
      expect(rejected.reason.code).toBe('withdrawal-exceeds-deployed');
      const page = await store.readStream(missionId, 1, 10);
      expect(page!.events.filter((e) => e.type === 'PersonnelWithdrawn')).toHaveLength(1);
    }
  });

  it('a purge of expired idempotency keys racing a retry that claims the same key: the retry gets its first answer, not a 500', async () => {
    const keyed = { ...context('purge-racer'), idempotency: { key: 'retried', requestHash: 'same-body' } };
    const first = await store.append('purge-race', command({ events: [established()] }), keyed);
    await db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE principal = 'purge-racer'`);

    // The retry's transaction claims the key, then waits for its stream's lock (held here):
    // the purge runs between the claim and the read of the key's first answer.
    const release = await holdLock(db, `SELECT 1 FROM streams WHERE mission_id = 'purge-race' FOR UPDATE`);
    let retry: Promise<unknown>;
    let purged: number;
    try {
      retry = store.append('purge-race', command({ events: [established()] }), keyed);
      retry.catch(() => undefined);
      await untilWaiting(db, 'transactionid');
      purged = await store.purgeExpiredIdempotencyKeys();
    } finally {
      await release();
    }
    await expect(retry).resolves.toEqual({ result: first.result, replayed: true });
    // The key was claimed by a transaction in progress: the purge left it (it goes next time).
    expect(purged).toBe(0);
    expect(await store.streamVersion('purge-race')).toBe(1);
    expect(await store.purgeExpiredIdempotencyKeys()).toBe(1);
  });

  it('a batch that loses the creation of a mission to a concurrent batch decides each of its requests as if after it', async () => {
    // X establishes both missions and holds the stream rows it created, uncommitted, waiting
    // for the append lock (held here); meanwhile one batch of another process, Y, reads them
    // as absent and decides, then finds them created when X commits.
    await store.append('plug', command({ events: [established()] }), context());
    const releaseAppendLock = await holdLock(db, 'SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    const batcher = new AppendBatcher(db.pool, { concurrentBatches: 1, maxEvents: 100, maxQueuedEvents: 1_000 });
    let x: Promise<unknown>[] = [];
    let y: Promise<unknown>[] = [];
    try {
      x = ['lost-1', 'lost-2'].map((missionId) => store.append(missionId, command({ events: [established('by X')] }), context('client-x')));
      x.forEach((p) => p.catch(() => undefined));
      await untilWaiting(db, 'advisory', 2); // X's two batches (one per request: the first ran alone)

      // Y's only batch slot is taken by a request that waits for a stream lock held here, so
      // the next four requests queue and go together into one batch once it is refused.
      const releasePlug = await holdLock(db, `SELECT 1 FROM streams WHERE mission_id = 'plug' FOR UPDATE`);
      const plug = batcher.submit({ missionId: 'plug', command: command({ expectedVersion: 99, events: [personnelEvent('PersonnelPledged', 'KEN', 1)] }), context: context() });
      plug.catch(() => undefined);
      await untilWaiting(db, 'transactionid');
      const request = (missionId: string, events: unknown[], client: string) => batcher.submit({ missionId, command: command({ events }), context: context(client) });
      y = [
        request('lost-1', [established('by Y')], 'client-a'), // refused: X established it first
        request('lost-1', [personnelEvent('PersonnelPledged', 'KEN', 5)], 'client-b'), // goes after X's
        request('lost-2', [personnelEvent('PersonnelPledged', 'USA', 7)], 'client-c'), // likewise (not a 404)
        request('lost-2', [established('by Y')], 'client-d'), // refused
      ];
      y.forEach((p) => p.catch(() => undefined));
      await releasePlug();
      await expect(plug).rejects.toMatchObject({ code: 'version-conflict' });
      await untilWaiting(db, 'transactionid'); // Y waits on X's uncommitted stream rows
    } finally {
      await releaseAppendLock();
    }
    await Promise.all(x);
    const outcomes = await Promise.allSettled(y);
    const summary = outcomes.map((o) => (o.status === 'fulfilled' ? (o.value as { result: { streamVersion: number } }).result.streamVersion : (o.reason as DomainError).code));
    expect(summary).toEqual(['mission-already-established', 2, 2, 'mission-already-established']);
    for (const missionId of ['lost-1', 'lost-2']) {
      const page = await store.readStream(missionId, 1, 10);
      expect(page!.events.map((e) => [e.version, e.type, e.metadata.actor])).toEqual([
        [1, 'MissionEstablished', 'client-x'],
        [2, 'PersonnelPledged', missionId === 'lost-1' ? 'client-b' : 'client-c'],
      ]);
    }
  });
});
