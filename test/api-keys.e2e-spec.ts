// API keys over real HTTP: creation shows the secret once, listings never do, revocation
// takes effect at once, roles are enforced, and appended events name the key's owner.
import { createHash } from 'node:crypto';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established, supportDeclared } from './support/events';
import { startTestApi, TestApi } from './support/test-api';
import { expectEventually } from './support/eventually';
import { ApiKeysRepository } from '../apps/api/src/auth/api-keys.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ESTABLISHED = established('Keys mission');

describe('API keys', () => {
  let db: TestDatabase;
  let api: TestApi;

  const createKey = async (name: string, role: string) => {
    const created = await api.request('POST', '/v1/api-keys', { body: { name, role } });
    expect(created.status).toBe(201);
    return created.body as { id: string; name: string; role: string; key: string };
  };
  const eventCount = async () => (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase('api_keys');
    api = await startTestApi(db.url);
    const established = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [ESTABLISHED] } });
    expect(established.status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  describe('create', () => {
    it('answers 201 with id, name, role and the secret key', async () => {
      const response = await api.request('POST', '/v1/api-keys', { body: { name: 'ops-laptop', role: 'operator' } });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.body).toEqual({ id: expect.stringMatching(UUID), name: 'ops-laptop', role: 'operator', key: expect.any(String) });
      expect(response.body.key.length).toBeGreaterThanOrEqual(32);
      // The new key works at once.
      expect((await api.request('GET', '/v1/events', { key: response.body.key })).status).toBe(200);
    });

    it('gives every key its own id and secret', async () => {
      const a = await createKey('twin', 'viewer');
      const b = await createKey('twin', 'viewer');
      expect(a.id).not.toBe(b.id);
      expect(a.key).not.toBe(b.key);
    });

    it.each([
      ['an unknown role', { name: 'x', role: 'superuser' }, 'role'],
      ['a missing role', { name: 'x' }, 'role'],
      ['an empty name', { name: '   ', role: 'viewer' }, 'name'],
      ['an unknown field', { name: 'x', role: 'viewer', key: 'my-own-secret' }, 'key'],
    ])('refuses %s with 400', async (_, body, path) => {
      const before = (await api.request('GET', '/v1/api-keys')).body.apiKeys.length;
      const response = await api.request('POST', '/v1/api-keys', { body });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      expect((await api.request('GET', '/v1/api-keys')).body.apiKeys).toHaveLength(before);
    });
  });

  describe('list', () => {
    it('lists the keys without their secret or its hash', async () => {
      const created = await createKey('listed-key', 'viewer');
      const response = await api.request('GET', '/v1/api-keys');
      expect(response.status).toBe(200);
      const listed = response.body.apiKeys.find((key: { id: string }) => key.id === created.id);
      expect(listed).toEqual({ id: created.id, name: 'listed-key', role: 'viewer', createdAt: expect.stringMatching(ISO_INSTANT), revokedAt: null });
      for (const key of response.body.apiKeys) {
        expect(Object.keys(key).sort()).toEqual(['createdAt', 'id', 'name', 'revokedAt', 'role']);
      }
      const text = JSON.stringify(response.body);
      expect(text).not.toContain(created.key);
      expect(text).not.toContain(createHash('sha256').update(created.key).digest('hex'));
      expect(text).not.toMatch(/hash/i);
    });

    it('shows the secret only in the creation answer', async () => {
      const created = await createKey('shown-once', 'operator');
      for (const path of ['/v1/api-keys', `/v1/api-keys/${created.id}`]) {
        const response = await api.request('GET', path);
        expect(JSON.stringify(response.body ?? '')).not.toContain(created.key);
      }
      // Only a hash is stored.
      const stored = await db.pool.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
      expect(JSON.stringify(stored.rows)).not.toContain(created.key);
    });
  });

  describe('revoke', () => {
    it('answers 204 and the key gets 401 from then on', async () => {
      const created = await createKey('revoked-operator', 'operator');
      const appended = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [supportDeclared('USA')] }, key: created.key });
      expect(appended.status).toBe(201);

      const revoked = await api.request('DELETE', `/v1/api-keys/${created.id}`);
      expect(revoked.status).toBe(204);
      expect(revoked.body).toBeUndefined();

      const before = await eventCount();
      const refused = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [supportDeclared('CAN')] }, key: created.key });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await eventCount()).toBe(before);
      expect((await api.request('GET', '/v1/events', { key: created.key })).status).toBe(401);

      const listed = (await api.request('GET', '/v1/api-keys')).body.apiKeys.find((key: { id: string }) => key.id === created.id);
      expect(listed.revokedAt).toMatch(ISO_INSTANT);
    });

    it('a lookup in flight in another process when the key is revoked is not cached there', async () => {
      // given a second API process on the same database
      const other = await startTestApi(db.url);
      try {
        const created = await createKey('raced', 'viewer');
        const repository = other.app.get(ApiKeysRepository) as unknown as { epoch: number; findByHash: (hash: string) => Promise<unknown> };
        // and a lookup there that has read the key's row (still active) but not yet returned
        const read = repository.findByHash.bind(repository);
        let readDone!: () => void;
        let release!: () => void;
        const rowRead = new Promise<void>((resolve) => (readDone = resolve));
        const gate = new Promise<void>((resolve) => (release = resolve));
        const spy = jest.spyOn(repository, 'findByHash').mockImplementationOnce(async (hash) => {
          const row = await read(hash);
          readDone();
          await gate;
          return row;
        });
        const inFlight = other.request('GET', '/v1/events', { key: created.key });
        await rowRead;

        // when the key is revoked, and the other process has heard of it
        const epoch = repository.epoch;
        expect((await api.request('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(204);
        await expectEventually(() => expect(repository.epoch).toBeGreaterThan(epoch));
        release();
        expect([200, 401]).toContain((await inFlight).status); // it raced the revocation: either answer is right

        // then the next request there is refused: the in-flight answer was not cached
        expect((await other.request('GET', '/v1/events', { key: created.key })).status).toBe(401);
        spy.mockRestore();
      } finally {
        await other.close();
      }
    });

    it('revokes only the key named', async () => {
      const kept = await createKey('kept', 'viewer');
      const gone = await createKey('gone', 'viewer');
      expect((await api.request('DELETE', `/v1/api-keys/${gone.id}`)).status).toBe(204);
      expect((await api.request('GET', '/v1/events', { key: gone.key })).status).toBe(401);
      expect((await api.request('GET', '/v1/events', { key: kept.key })).status).toBe(200);
    });
  });

  describe('roles', () => {
    let viewer: { id: string; key: string };
    let operator: { id: string; key: string };
    let admin: { id: string; key: string };
    beforeAll(async () => {
      viewer = await createKey('role-viewer', 'viewer');
      operator = await createKey('role-operator', 'operator');
      admin = await createKey('role-admin', 'admin');
    });

    it('lets a viewer read events but not append them', async () => {
      expect((await api.request('GET', '/v1/events', { key: viewer.key })).status).toBe(200);
      const stream = await api.request('GET', '/v1/missions/mss-keys/events', { key: viewer.key });
      expect(stream.status).toBe(200);
      expect(stream.body.events[0].type).toBe('MissionEstablished');

      const before = await eventCount();
      const refused = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [supportDeclared('KEN')] }, key: viewer.key });
      expect(refused.status).toBe(403);
      expect(refused.body.status).toBe(403);
      expect(await eventCount()).toBe(before);
    });

    it('refuses a viewer the API keys', async () => {
      expect((await api.request('GET', '/v1/api-keys', { key: viewer.key })).status).toBe(403);
      expect((await api.request('POST', '/v1/api-keys', { body: { name: 'x', role: 'admin' }, key: viewer.key })).status).toBe(403);
      expect((await api.request('DELETE', `/v1/api-keys/${operator.id}`, { key: viewer.key })).status).toBe(403);
    });

    it('lets an operator read and append', async () => {
      expect((await api.request('GET', '/v1/events', { key: operator.key })).status).toBe(200);
      expect((await api.request('GET', '/v1/missions/mss-keys/events', { key: operator.key })).status).toBe(200);
      const before = await eventCount();
      const appended = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [supportDeclared('KEN')] }, key: operator.key });
      expect(appended.status).toBe(201);
      expect(await eventCount()).toBe(before + 1);
    });

    it('refuses an operator the API keys', async () => {
      const before = (await api.request('GET', '/v1/api-keys')).body;
      const created = await api.request('POST', '/v1/api-keys', { body: { name: 'escalated', role: 'admin' }, key: operator.key });
      expect(created.status).toBe(403);
      expect(created.body).not.toHaveProperty('key');
      expect((await api.request('GET', '/v1/api-keys', { key: operator.key })).status).toBe(403);
      expect((await api.request('DELETE', `/v1/api-keys/${viewer.id}`, { key: operator.key })).status).toBe(403);
      expect((await api.request('GET', '/v1/api-keys')).body).toEqual(before);
      expect((await api.request('GET', '/v1/events', { key: viewer.key })).status).toBe(200);
    });

    it('lets an admin key (not only the bootstrap key) do everything', async () => {
      expect((await api.request('GET', '/v1/events', { key: admin.key })).status).toBe(200);
      expect((await api.request('GET', '/v1/missions/mss-keys/events', { key: admin.key })).status).toBe(200);
      const appended = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [supportDeclared('FRA')] }, key: admin.key });
      expect(appended.status).toBe(201);
      const created = await api.request('POST', '/v1/api-keys', { body: { name: 'made-by-admin', role: 'viewer' }, key: admin.key });
      expect(created.status).toBe(201);
      const listed = await api.request('GET', '/v1/api-keys', { key: admin.key });
      expect(listed.status).toBe(200);
      expect(listed.body.apiKeys.map((key: { id: string }) => key.id)).toContain(created.body.id);
      expect((await api.request('DELETE', `/v1/api-keys/${created.body.id}`, { key: admin.key })).status).toBe(204);
      expect((await api.request('GET', '/v1/events', { key: created.body.key })).status).toBe(401);
    });
  });

  describe('metadata.actor', () => {
    it("is the name of the API key that appended the event", async () => {
      const laptop = await createKey('field-laptop-7', 'operator');
      const desk = await createKey('hq-desk', 'admin');
      const first = await api.request('POST', '/v1/missions/mss-keys/events', {
        body: { events: [{ ...supportDeclared('BRA'), metadata: { correlationId: 'corr-1' } }, supportDeclared('CHL')] },
        key: laptop.key,
      });
      expect(first.status).toBe(201);
      const second = await api.request('POST', '/v1/missions/mss-keys/events', { body: { events: [supportDeclared('ARG')] }, key: desk.key });
      expect(second.status).toBe(201);

      const versions = [...first.body.events, ...second.body.events].map((event: { version: number }) => event.version);
      const stream = await api.request('GET', `/v1/missions/mss-keys/events?fromVersion=${versions[0]}`);
      const actors = stream.body.events.map((event: { version: number; metadata: Record<string, unknown> }) => [event.version, event.metadata]);
      expect(actors).toEqual([
        [versions[0], { actor: 'field-laptop-7', correlationId: 'corr-1' }],
        [versions[1], { actor: 'field-laptop-7' }],
        [versions[2], { actor: 'hq-desk' }],
      ]);
      // The global feed says the same.
      const feed = await api.request('GET', `/v1/events?after=${first.body.events[0].position - 1}`);
      expect(feed.body.events.map((event: { metadata: { actor: string } }) => event.metadata.actor)).toEqual(['field-laptop-7', 'field-laptop-7', 'hq-desk']);
    });

    it('cannot be set by the client: the server replaces it with the key name', async () => {
      const operator = await createKey('honest-operator', 'operator');
      const response = await api.request('POST', '/v1/missions/mss-keys/events', {
        body: { events: [{ ...supportDeclared('PER'), metadata: { actor: 'someone-else', correlationId: 'c-9' } }] },
        key: operator.key,
      });
      expect(response.status).toBe(201);
      const version = response.body.events[0].version;
      const stream = await api.request('GET', `/v1/missions/mss-keys/events?fromVersion=${version}&limit=1`);
      expect(stream.body.events[0].metadata).toEqual({ actor: 'honest-operator', correlationId: 'c-9' });
    });
  });
});
