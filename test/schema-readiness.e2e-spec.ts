// Readiness checks the schema, not only the connection: a database with a migration missing
// is reported (503 naming it and the command to run), instead of a 200 followed by a 500
// on every request.
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

describe('readiness on a database that is not fully migrated', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase('schema_ready');
    api = await startTestApi(db.url);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('answers 200 when every migration is applied, 503 naming the schema when one is not, 200 again once applied', async () => {
    expect((await api.request('GET', '/health/ready', { key: null })).status).toBe(200);

    const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1');
    const removed = await db.pool.query('DELETE FROM _prisma_migrations WHERE id = $1 RETURNING *', [rows[0].id]);
    const ready = await api.request('GET', '/health/ready', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(ready.body).toMatchObject({ status: 503, postgres: 'not migrated', redis: 'up' });
    expect(ready.body.detail).toMatch(/PostgreSQL: the database schema is not up to date \(1 of \d+ migrations not applied\): run "npm run db:migrate"/);

    const row = removed.rows[0];
    await db.pool.query(
      'INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [row.id, row.checksum, row.finished_at, row.migration_name, row.logs, row.rolled_back_at, row.started_at, row.applied_steps_count],
    );
    expect((await api.request('GET', '/health/ready', { key: null })).status).toBe(200);
  });
});
