// Reading the log over real HTTP: stream and global paging, the stored envelope of
// CONTRACT section 3, occurredAt normalisation, and the demo mission of section 9.
import { DEMO_MISSION_ID, DEMO_MISSION_REQUEST } from '../scripts/demo-mission';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established, supportDeclared } from './support/events';
import { startTestApi, TestApi } from './support/test-api';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ENVELOPE_FIELDS = ['data', 'id', 'metadata', 'missionId', 'occurredAt', 'position', 'recordedAt', 'schemaVersion', 'type', 'version'];

interface Envelope {
  id: string;
  missionId: string;
  version: number;
  position: number;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}


describe('reading the log', () => {
  let db: TestDatabase;
  let api: TestApi;

  const append = async (missionId: string, body: unknown, key?: string) => {
    const response = await api.request('POST', `/v1/missions/${missionId}/events`, { body, key });
    expect(response.status).toBe(201);
    return response.body as { missionId: string; streamVersion: number; events: { id: string; version: number; position: number }[] };
  };

  beforeAll(async () => {
    db = await createTestDatabase('read_log');
    api = await startTestApi(db.url);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('a mission stream', () => {
    beforeAll(async () => {
      // 7 events in three appends, with another mission's events in between.
      await append('mss-paging', { events: [established('Paging'), supportDeclared('USA'), supportDeclared('CAN')] });
      await append('mss-other', { events: [established('Other')] });
      await append('mss-paging', { events: [supportDeclared('FRA'), supportDeclared('BRA')] });
      await append('mss-other', { events: [supportDeclared('KEN')] });
      await append('mss-paging', { events: [supportDeclared('CHL'), supportDeclared('ARG')] });
    });

    const page = (query: string) => api.request('GET', `/v1/missions/mss-paging/events${query}`);

    it('pages with fromVersion and limit, and nextVersion is null at the end', async () => {
      const first = await page('?fromVersion=1&limit=3');
      expect(first.status).toBe(200);
      expect(first.body.missionId).toBe('mss-paging');
      expect(first.body.events.map((event: Envelope) => event.version)).toEqual([1, 2, 3]);
      expect(first.body.nextVersion).toBe(4);

      const second = await page(`?fromVersion=${first.body.nextVersion}&limit=3`);
      expect(second.body.events.map((event: Envelope) => event.version)).toEqual([4, 5, 6]);
      expect(second.body.nextVersion).toBe(7);

      const last = await page(`?fromVersion=${second.body.nextVersion}&limit=3`);
      expect(last.body.events.map((event: Envelope) => event.version)).toEqual([7]);
      expect(last.body.nextVersion).toBeNull();
    });

    it('says null, not a page further, when a page ends exactly at the last event', async () => {
      const exact = await page('?fromVersion=5&limit=3');
      expect(exact.body.events.map((event: Envelope) => event.version)).toEqual([5, 6, 7]);
      expect(exact.body.nextVersion).toBeNull();
    });

    it('reads every event of the mission only, in version order, by default', async () => {
      const all = await page('');
      expect(all.status).toBe(200);
      expect(all.body.events.map((event: Envelope) => event.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(all.body.events.every((event: Envelope) => event.missionId === 'mss-paging')).toBe(true);
      expect(all.body.events.map((event: Envelope) => event.data.supporter ?? event.data.name)).toEqual(['Paging', 'USA', 'CAN', 'FRA', 'BRA', 'CHL', 'ARG']);
      expect(all.body.nextVersion).toBeNull();
      const positions = all.body.events.map((event: Envelope) => event.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('answers an empty page past the end', async () => {
      const past = await page('?fromVersion=100');
      expect(past.status).toBe(200);
      expect(past.body).toEqual({ missionId: 'mss-paging', events: [], nextVersion: null });
    });
  });

  describe('the global feed', () => {
    let all: Envelope[];
    beforeAll(async () => {
      await append('mss-feed-a', { events: [established('Feed A'), supportDeclared('USA')] });
      await append('mss-feed-b', { events: [established('Feed B')] });
      await append('mss-feed-a', { events: [supportDeclared('CAN')] });
      await append('mss-feed-b', { events: [supportDeclared('KEN'), supportDeclared('JAM')] });
      const response = await api.request('GET', '/v1/events?after=0&limit=1000');
      expect(response.status).toBe(200);
      all = response.body.events;
    });

    it('returns every event in strictly increasing position order', async () => {
      const count = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
      expect(all).toHaveLength(count.rows[0].n);
      expect(all.length).toBeGreaterThanOrEqual(6);
      for (let index = 1; index < all.length; index++) expect(all[index].position).toBeGreaterThan(all[index - 1].position);
      // Interleaved missions appear in the order they were appended.
      const feed = all.filter((event) => event.missionId.startsWith('mss-feed-')).map((event) => `${event.missionId}@${event.version}`);
      expect(feed).toEqual(['mss-feed-a@1', 'mss-feed-a@2', 'mss-feed-b@1', 'mss-feed-a@3', 'mss-feed-b@2', 'mss-feed-b@3']);
    });

    it('pages with after and limit; next is the last position, or after itself on an empty page', async () => {
      const seen: Envelope[] = [];
      let after = 0;
      for (let guard = 0; guard < 100; guard++) {
        const response = await api.request('GET', `/v1/events?after=${after}&limit=4`);
        expect(response.status).toBe(200);
        const events: Envelope[] = response.body.events;
        expect(events.length).toBeLessThanOrEqual(4);
        if (events.length === 0) {
          expect(response.body.next).toBe(after);
          break;
        }
        expect(events.every((event) => event.position > after)).toBe(true);
        expect(response.body.next).toBe(events[events.length - 1].position);
        seen.push(...events);
        after = response.body.next;
      }
      expect(seen).toEqual(all);
    });

    it('answers next = after for a page beyond the head', async () => {
      const head = all[all.length - 1].position;
      const response = await api.request('GET', `/v1/events?after=${head + 50}&limit=10`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ events: [], next: head + 50 });
    });

    it('starts right after the given position', async () => {
      const response = await api.request('GET', `/v1/events?after=${all[2].position}&limit=2`);
      expect(response.body.events).toEqual(all.slice(3, 5));
      expect(response.body.next).toBe(all[4].position);
    });
  });

  describe('the envelope', () => {
    it('has every field of CONTRACT section 3, with the posted data and the key name as actor', async () => {
      const keyResponse = await api.request('POST', '/v1/api-keys', { body: { name: 'ops-laptop', role: 'operator' } });
      expect(keyResponse.status).toBe(201);
      const startedAt = Date.now();
      const appended = await append(
        'mss-envelope',
        {
          expectedVersion: 0,
          events: [
            { type: 'MissionEstablished', occurredAt: '2024-06-01', data: { name: 'Envelope', hostCountry: 'HTI', leadNation: 'KEN' } },
            { type: 'ContingentDeparted', occurredAt: '2024-06-24T18:00:00Z', data: { country: 'KEN', personnel: 400 }, metadata: { correlationId: 'abc' } },
            { type: 'FundingPledged', occurredAt: '2024-06-24T20:30:00+02:00', data: { donor: 'USA', amount: '5.70', currency: 'USD' } },
          ],
        },
        keyResponse.body.key,
      );
      const finishedAt = Date.now();
      expect(appended.missionId).toBe('mss-envelope');
      expect(appended.streamVersion).toBe(3);
      expect(appended.events.map((event) => event.version)).toEqual([1, 2, 3]);

      const read = await api.request('GET', '/v1/missions/mss-envelope/events');
      expect(read.status).toBe(200);
      const events: Envelope[] = read.body.events;
      expect(events).toHaveLength(3);
      for (const event of events) {
        expect(Object.keys(event).sort()).toEqual(ENVELOPE_FIELDS);
        expect(event.id).toMatch(UUID);
        expect(event.missionId).toBe('mss-envelope');
        expect(Number.isInteger(event.position)).toBe(true);
        expect(event.schemaVersion).toBe(1);
        expect(event.occurredAt).toMatch(ISO_INSTANT);
        expect(event.recordedAt).toMatch(ISO_INSTANT);
        const recorded = Date.parse(event.recordedAt);
        // The database clock and ours are the same machine's; allow a little slack.
        expect(recorded).toBeGreaterThanOrEqual(startedAt - 2_000);
        expect(recorded).toBeLessThanOrEqual(finishedAt + 2_000);
        expect(event.metadata.actor).toBe('ops-laptop');
      }
      // The ids, versions and positions are those the append answered.
      expect(events.map(({ id, version, position }) => ({ id, version, position }))).toEqual(appended.events);
      expect(events.map((event) => event.type)).toEqual(['MissionEstablished', 'ContingentDeparted', 'FundingPledged']);
      expect(events[0].data).toEqual({ name: 'Envelope', hostCountry: 'HTI', leadNation: 'KEN' });
      expect(events[1].data).toEqual({ country: 'KEN', personnel: 400 });
      expect(events[2].data).toEqual({ donor: 'USA', amount: '5.70', currency: 'USD' });
      expect(events[1].metadata).toEqual({ actor: 'ops-laptop', correlationId: 'abc' });
      expect(events[0].metadata).toEqual({ actor: 'ops-laptop' });
      expect(events.map((event) => event.occurredAt)).toEqual(['2024-06-01T00:00:00.000Z', '2024-06-24T18:00:00.000Z', '2024-06-24T18:30:00.000Z']);

      // The global feed returns the same envelopes.
      const feed = await api.request('GET', `/v1/events?after=${appended.events[0].position - 1}&limit=3`);
      expect(feed.body.events).toEqual(events);
    });

    it('reads a date occurredAt "2024-06-24" back as "2024-06-24T00:00:00.000Z"', async () => {
      const appended = await append('mss-dates', {
        events: [
          { type: 'MissionEstablished', occurredAt: '2024-06-24', data: { name: 'Dates', hostCountry: 'HTI' } },
          { type: 'FarewellHeld', occurredAt: '2024-06-24', data: { country: 'KEN', personnel: 400 } },
        ],
      });
      const read = await api.request('GET', '/v1/missions/mss-dates/events');
      expect(read.body.events.map((event: Envelope) => event.occurredAt)).toEqual(['2024-06-24T00:00:00.000Z', '2024-06-24T00:00:00.000Z']);
      expect(read.body.events.map((event: Envelope) => event.id)).toEqual(appended.events.map((event) => event.id));
    });
  });

  describe('the demo mission', () => {
    it('reads back all 8 events of DEMO_MISSION_REQUEST in order with their data', async () => {
      expect(DEMO_MISSION_REQUEST.events).toHaveLength(8);
      const seeder = await api.request('POST', '/v1/api-keys', { body: { name: 'demo-seeder', role: 'operator' } });
      expect(seeder.status).toBe(201);
      const appended = await append(DEMO_MISSION_ID, DEMO_MISSION_REQUEST, seeder.body.key);
      expect(appended).toEqual({
        missionId: 'mss-haiti',
        streamVersion: 8,
        events: Array.from({ length: 8 }, (_, index) => ({ id: expect.stringMatching(UUID), version: index + 1, position: expect.any(Number) })),
      });

      const read = await api.request('GET', '/v1/missions/mss-haiti/events');
      expect(read.status).toBe(200);
      expect(read.body.missionId).toBe('mss-haiti');
      expect(read.body.nextVersion).toBeNull();
      const events: Envelope[] = read.body.events;
      expect(events.map((event) => event.type)).toEqual([
        'MissionEstablished',
        'PersonnelRequirementSet',
        'PersonnelPledged',
        'SupportDeclared',
        'SupportDeclared',
        'FundingPledged',
        'FarewellHeld',
        'ContingentDeparted',
      ]);
      expect(events.map((event) => event.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(events.map((event) => event.data)).toEqual(DEMO_MISSION_REQUEST.events.map((event) => event.data));
      expect(events.map(({ id, version, position }) => ({ id, version, position }))).toEqual(appended.events);
      // The dates of the public sources (docs/demo-sources.md).
      expect(events.map((event) => event.occurredAt)).toEqual([
        '2023-10-02T00:00:00.000Z',
        '2024-03-28T00:00:00.000Z',
        '2023-07-29T00:00:00.000Z',
        '2023-09-22T00:00:00.000Z',
        '2024-02-22T00:00:00.000Z',
        '2024-03-11T00:00:00.000Z',
        '2024-06-24T00:00:00.000Z',
        '2024-06-24T00:00:00.000Z',
      ]);
      // Every event says where it was reported.
      for (const event of events) expect(event.metadata.source).toEqual(expect.objectContaining({ url: expect.stringMatching(/^https:\/\//) }));
      // A few facts of section 9, spelled out rather than only copied from the request.
      expect(events[0].data).toEqual(expect.objectContaining({ name: 'Multinational Security Support mission to Haiti', hostCountry: 'HTI', leadNation: 'KEN' }));
      expect(events[1].data).toEqual({ required: 5000 });
      expect(events[5].data).toEqual(expect.objectContaining({ donor: 'USA', amount: '300000000', currency: 'USD' }));
      expect(events[7].data).toEqual({ country: 'KEN', personnel: 400 });
      expect(events.map((event) => event.metadata)).toEqual(DEMO_MISSION_REQUEST.events.map((event) => ({ ...event.metadata, actor: 'demo-seeder' })));
    });

    it('refuses the demo mission a second time (expectedVersion 0)', async () => {
      const again = await api.request('POST', '/v1/missions/mss-haiti/events', { body: DEMO_MISSION_REQUEST });
      expect(again.status).toBe(409);
      expect(again.body.currentVersion).toBe(8);
    });
  });
});
