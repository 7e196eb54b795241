// A projection step is bounded as an append is (BEGIN_BOUNDED): it never waits for ever
// behind a step lock that a frozen worker holds, and the worker's connections ask PostgreSQL
// for TCP keepalives, so a worker cut off from the network loses its sessions (and locks) in
// seconds. test/frozen-worker.e2e-spec.ts shows the whole story with real processes.
import { Client } from 'pg';
import { createDatabase } from '@app/database';
import { PROJECTION_LOCK_CLASS, ProjectionRunner } from '@app/projections';
import { createTestDatabase, TestDatabase } from './support/test-database';

describe('projection step bounds', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('step_bounds');
  });
  afterAll(() => db.drop());

  it('a step waiting for a partition lock held elsewhere gives up (lock_timeout) instead of waiting for as long as it is held', async () => {
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      // A frozen worker's open step transaction on partition 0.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, 1)', [PROJECTION_LOCK_CLASS]);
      const step = new ProjectionRunner(db.pool).step(0);
      let timer: NodeJS.Timeout | undefined;
      const stillWaiting = new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting after 30 s'), 30_000)));
      const outcome = await Promise.race([step.then(() => 'stepped', (error) => error), stillWaiting]).finally(() => clearTimeout(timer));
      expect(outcome).toMatchObject({ code: '55P03' }); // lock_not_available: retried by the worker's next wake-up
    } finally {
      await holder.end();
    }
    // Once the lock is free, the step goes through.
    await expect(new ProjectionRunner(db.pool).step(0)).resolves.toMatchObject({ failed: [] });
  });

  it('a worker pool asks the server for TCP keepalives', async () => {
    const worker = createDatabase(db.url, 1, { serverKeepalives: true });
    try {
      const { rows } = await worker.pool.query<{ idle: string; interval: string; count: string }>(
        `SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval, current_setting('tcp_keepalives_count') AS count`,
      );
      expect(rows[0]).toEqual({ idle: '5', interval: '2', count: '3' });
    } finally {
      await worker.close();
    }
  });
});
