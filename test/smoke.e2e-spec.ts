import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

describe('smoke', () => {
  let db: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    db = await createTestDatabase('smoke');
    api = await startTestApi(db.url);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('appends and reads back', async () => {
    const created = await api.request('POST', '/v1/missions/mss-smoke/events', {
      body: { events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: 'Smoke', hostCountry: 'HTI' } }] },
    });
    expect(created.status).toBe(201);
    const read = await api.request('GET', '/v1/missions/mss-smoke/events');
    expect(read.body.events).toHaveLength(1);
  });
});
