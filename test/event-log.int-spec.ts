// The event store's reads for other modules and its purge of expired idempotency keys,
// in-process against the real PostgreSQL.
import { DomainEvent, evolvePersonnel, emptyPersonnel, PERSONNEL_EVENT_TYPES, personnelTotals } from '@app/domain';
import { inSnapshot } from '@app/database';
import { EventLogReader, EventStore } from '@app/event-store';
import { command, context, established, personnelEvent } from './support/events';
import { createTestDatabase, TestDatabase } from './support/test-database';

describe('event log reads and housekeeping', () => {
  let db: TestDatabase;
  let store: EventStore;
  let log: EventLogReader;

  beforeAll(async () => {
    db = await createTestDatabase('event_log');
    store = new EventStore(db.pool);
    log = new EventLogReader(db.pool);
  });
  afterAll(() => db.drop());

  it('an empty log has head 0 and no missions', async () => {
    expect(await log.headPosition()).toBe(0);
    expect(await log.missionExists('nowhere')).toBe(false);
  });

  it('folds a mission up to a date across cursor chunks, inside a snapshot, and reports the head', async () => {
    await store.append('fold', command({ events: [established()] }), context());
    // More than one cursor chunk (500 rows) before the cut-off date, and some after it.
    const before = Array.from({ length: 2_500 }, () => personnelEvent('PersonnelPledged', 'KEN', 1, '2024-06-01'));
    for (let i = 0; i < before.length; i += 1_000) await store.append('fold', command({ events: before.slice(i, i + 1_000) }), context());
    await store.append('fold', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 7, '2024-08-01')] }), context());

    const { state, unreadable, head } = await inSnapshot(db.pool, async (client) => {
      const reader = new EventLogReader(client);
      const folded = await reader.foldMission('fold', { upTo: new Date('2024-07-01') }, PERSONNEL_EVENT_TYPES, emptyPersonnel(), evolvePersonnel);
      return { ...folded, head: await reader.headPosition() };
    });
    expect(unreadable).toBeUndefined();
    expect(personnelTotals(state).pledged).toBe(2_500);
    expect(head).toBe(2_502);
    expect(await log.missionExists('fold')).toBe(true);
  });

  it('stops a fold at an event this release cannot read, and says where', async () => {
    await store.append('newer', command({ events: [established()] }), context());
    const { rows } = await db.pool.query<{ position: number }>(
      `UPDATE events SET schema_version = 99 WHERE mission_id = 'newer' RETURNING position`,
    );
    const seen: DomainEvent[] = [];
    const result = await inSnapshot(db.pool, (client) =>
      new EventLogReader(client).foldMission('newer', { upTo: new Date('2030-01-01') }, new Set(['MissionEstablished']), 0, (n, event) => (seen.push(event), n + 1)),
    );
    expect(result.unreadable?.position).toBe(rows[0].position);
    expect(seen).toHaveLength(0);
  });

  it('measures lag after a position: the events after it and the age of the first', async () => {
    const head = await log.headPosition();
    expect(await log.lagAfter(head, head)).toEqual({ events: 0, seconds: 0 });
    const lag = await log.lagAfter(head - 3, head);
    expect(lag.events).toBe(3);
    expect(lag.seconds).toBeGreaterThanOrEqual(0);
  });

  it('purges idempotency keys older than 24 hours and keeps the fresh ones', async () => {
    const keyed = (key: string) => ({ ...context('purger'), idempotency: { key, requestHash: key } });
    await store.append('purge', command({ events: [established()] }), keyed('old'));
    await store.append('purge', command({ events: [personnelEvent('PersonnelPledged', 'KEN', 1)] }), keyed('fresh'));
    await db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old'`);

    expect(await store.purgeExpiredIdempotencyKeys()).toBe(1);
    const { rows } = await db.pool.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE principal = 'purger'`);
    expect(rows.map((r) => r.key)).toEqual(['fresh']);
    expect(await store.purgeExpiredIdempotencyKeys()).toBe(0);
  });

  it('purges in chunks until no expired key is left', async () => {
    const keyed = (key: string) => ({ ...context('chunked'), idempotency: { key, requestHash: key } });
    await store.append('chunked', command({ events: [established()] }), keyed('k0'));
    for (let i = 1; i < 5; i++) await store.append('chunked', command({ events: [personnelEvent('PersonnelPledged', 'KEN', i)] }), keyed(`k${i}`));
    await db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE principal = 'chunked'`);
    expect(await store.purgeExpiredIdempotencyKeys(2)).toBe(5);
    expect((await db.pool.query(`SELECT key FROM idempotency_keys WHERE principal = 'chunked'`)).rows).toEqual([]);
  });

  it('several purges at once (one per worker) share the work: each expired key deleted once, no error', async () => {
    const keyed = (key: string) => ({ ...context('shared'), idempotency: { key, requestHash: key } });
    await store.append('shared', command({ events: [established()] }), keyed('s0'));
    for (let i = 1; i < 40; i++) await store.append('shared', command({ events: [personnelEvent('PersonnelPledged', 'KEN', i)] }), keyed(`s${i}`));
    await db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE principal = 'shared'`);
    const purged = await Promise.all(Array.from({ length: 4 }, () => store.purgeExpiredIdempotencyKeys(3)));
    expect(purged.reduce((a, b) => a + b, 0)).toBe(40);
    expect((await db.pool.query(`SELECT key FROM idempotency_keys WHERE principal = 'shared'`)).rows).toEqual([]);
  });
});
