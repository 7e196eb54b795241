// A query parameter an endpoint does not take is 400 naming it (CONTRACT section 10), on every
// operation of the OpenAPI document; the parameters it does take still work.
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApi, TestApi } from './support/test-api';

describe('query parameters an endpoint does not take', () => {
  let db: TestDatabase;
  let api: TestApi;
  beforeAll(async () => {
    db = await createTestDatabase('query_parameters');
    api = await startTestApi(db.url);
    await api.request('POST', '/v1/missions/q-mission/events', { body: { events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: 'Q', hostCountry: 'HTI' } }] } });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it.each([
    ['/v1/missions/q-mission/timeline?asOf=2024-01-01', 'asOf'],
    ['/v1/missions?asOf=2024-01-01', 'asOf'],
    ['/v1/missions/q-mission/personnel?type=FundingPledged', 'type'],
    ['/v1/missions/q-mission/funding?minPostion=3', 'minPostion'],
    ['/v1/projections?verbose=1', 'verbose'],
    ['/v1/events?from=1', 'from'],
  ])('GET %s is 400 naming %s', async (path, name) => {
    const answer = await api.request('GET', path);
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.errors).toEqual([{ path: name, message: expect.stringMatching(/^is not a parameter of this endpoint \(it takes /) }]);
  });

  it('names what the endpoint takes, and accepts those', async () => {
    const answer = await api.request('GET', '/v1/missions/q-mission/personnel?asOf=2024-01-01&asof=x');
    expect(answer.body.errors).toEqual([{ path: 'asof', message: 'is not a parameter of this endpoint (it takes asOf, knownAt, minPosition, format)' }]);
    expect((await api.request('GET', '/v1/missions/q-mission/personnel?asOf=2024-01-01&knownAt=2030-01-01&format=json')).status).toBe(200);
    expect((await api.request('GET', '/v1/api-keys?x=1')).body.errors).toEqual([{ path: 'x', message: 'is not a parameter of this endpoint (it takes none)' }]);
  });

  it('changes nothing on a write with an unknown parameter', async () => {
    const answer = await api.request('POST', '/v1/missions/q-mission/events?dryRun=true', {
      body: { events: [{ type: 'SupportDeclared', occurredAt: '2024-01-01', data: { supporter: 'CAN' } }] },
    });
    expect(answer.status).toBe(400);
    expect((await api.request('GET', '/v1/missions/q-mission/events')).body.events).toHaveLength(1);
  });
});
