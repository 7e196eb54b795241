// Idempotency-Key over real HTTP: a retry returns the first answer and appends nothing, a
// reused key with another body is refused, concurrent retries append once, and keys are
// scoped to the API key that used them.
import { createTestDatabase, TestDatabase } from './support/test-database';
import { established } from './support/events';
import { startTestApi, TestApi, TestResponse } from './support/test-api';

const MISSION = 'mss-idem';
const ESTABLISHED = established('Idempotency mission');
const pledge = (personnel: number) => ({ type: 'PersonnelPledged', occurredAt: '2024-03-01', data: { country: 'KEN', personnel } });

describe('Idempotency-Key', () => {
  let db: TestDatabase;
  let api: TestApi;

  const append = (body: unknown, idempotencyKey?: string, key?: string): Promise<TestResponse> =>
    api.request('POST', `/v1/missions/${MISSION}/events`, { body, key, headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {} });

  /** Every event of the global feed (the test log stays well under one page). */
  async function feed(): Promise<{ id: string; position: number; version: number; data: { personnel?: number } }[]> {
    const response = await api.request('GET', '/v1/events?after=0&limit=1000');
    expect(response.status).toBe(200);
    return response.body.events;
  }
  async function streamVersion(): Promise<number> {
    const response = await api.request('GET', `/v1/missions/${MISSION}/events?limit=1000`);
    return response.body.events[response.body.events.length - 1].version;
  }

  beforeAll(async () => {
    db = await createTestDatabase('idempotency');
    api = await startTestApi(db.url);
    expect((await append({ events: [ESTABLISHED] })).status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('returns the first answer to a retry with the same key and body, and appends once', async () => {
    const body = { events: [pledge(11), pledge(12)] };
    const before = await feed();
    const first = await append(body, 'retry-1');
    expect(first.status).toBe(201);
    expect(first.body.events).toHaveLength(2);
    const second = await append(body, 'retry-1');
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);

    const after = await feed();
    expect(after).toHaveLength(before.length + 2);
    expect(after.slice(before.length).map((event) => event.id)).toEqual(first.body.events.map((event: { id: string }) => event.id));
    expect(await streamVersion()).toBe(first.body.streamVersion);
  });

  it('marks a replayed answer with Idempotent-Replayed: true, and a first append without it', async () => {
    const body = { events: [pledge(14)] };
    const first = await append(body, 'replayed-header');
    expect(first.status).toBe(201);
    expect(first.headers.has('idempotent-replayed')).toBe(false);
    const replay = await append(body, 'replayed-header');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const unkeyed = await append(body);
    expect(unkeyed.status).toBe(201);
    expect(unkeyed.headers.has('idempotent-replayed')).toBe(false);
  });

  it('treats the same JSON with keys in another order as the same body', async () => {
    const first = await append({ events: [pledge(13)] }, 'reordered');
    expect(first.status).toBe(201);
    const before = await feed();
    const reordered = { events: [{ data: { personnel: 13, country: 'KEN' }, occurredAt: '2024-03-01', type: 'PersonnelPledged' }] };
    const second = await append(reordered, 'reordered');
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(await feed()).toEqual(before);
  });

  it('replays the first answer even after the stream moved on (no 409 for a retried expectedVersion)', async () => {
    const version = await streamVersion();
    const body = { expectedVersion: version, events: [pledge(21)] };
    const first = await append(body, 'with-expected-version');
    expect(first.status).toBe(201);
    expect(first.body.streamVersion).toBe(version + 1);
    expect((await append({ events: [pledge(22)] })).status).toBe(201);

    const before = await feed();
    const retry = await append(body, 'with-expected-version');
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await feed()).toEqual(before);
    expect(await streamVersion()).toBe(version + 2);
  });

  it('refuses the same key with a different body (422) and appends nothing', async () => {
    const first = await append({ events: [pledge(31)] }, 'reused-key');
    expect(first.status).toBe(201);
    const before = await feed();
    const versionBefore = await streamVersion();

    const reused = await append({ events: [pledge(32)] }, 'reused-key');
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.body).toEqual(expect.objectContaining({ status: 422, type: expect.any(String), title: expect.any(String) }));
    expect(reused.body.detail).toMatch(/Idempotency-Key/);

    expect(await feed()).toEqual(before);
    expect(await streamVersion()).toBe(versionBefore);
    expect(before.some((event) => event.data.personnel === 32)).toBe(false);

    // The key still answers its own body with the first answer.
    const retry = await append({ events: [pledge(31)] }, 'reused-key');
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
  });

  it('appends exactly once for 10 concurrent requests with one key and one body', async () => {
    const body = { events: [pledge(41)] };
    const before = await feed();
    const responses = await Promise.all(Array.from({ length: 10 }, () => append(body, 'concurrent-key')));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    for (const response of responses) expect(response.body).toEqual(responses[0].body);
    expect(responses[0].body.events).toHaveLength(1);

    const after = await feed();
    expect(after).toHaveLength(before.length + 1);
    const added = after[after.length - 1];
    expect(added.id).toBe(responses[0].body.events[0].id);
    expect(added.position).toBe(responses[0].body.events[0].position);
    expect(after.filter((event) => event.data.personnel === 41)).toHaveLength(1);
    expect(await streamVersion()).toBe(responses[0].body.streamVersion);
  });

  it('scopes keys per API key: the same key string from two API keys appends twice', async () => {
    const keys = [];
    for (const name of ['idem-operator-a', 'idem-operator-b']) {
      const created = await api.request('POST', '/v1/api-keys', { body: { name, role: 'operator' } });
      expect(created.status).toBe(201);
      keys.push(created.body.key as string);
    }
    const body = { events: [pledge(51)] };
    const before = await feed();
    const a = await append(body, 'shared-key-string', keys[0]);
    const b = await append(body, 'shared-key-string', keys[1]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.events[0].id).not.toBe(a.body.events[0].id);
    expect(b.body.streamVersion).toBe(a.body.streamVersion + 1);

    const after = await feed();
    expect(after).toHaveLength(before.length + 2);
    expect(after.filter((event) => event.data.personnel === 51)).toHaveLength(2);

    // Each API key's own retry is still a replay.
    const retryA = await append(body, 'shared-key-string', keys[0]);
    expect(retryA.body).toEqual(a.body);
    expect(await feed()).toHaveLength(before.length + 2);
  });

  it('appends every time without a key (control)', async () => {
    const body = { events: [pledge(61)] };
    const before = await feed();
    expect((await append(body)).status).toBe(201);
    expect((await append(body)).status).toBe(201);
    expect(await feed()).toHaveLength(before.length + 2);
  });

  it('does not burn a key on a refused request', async () => {
    const bad = await append({ events: [{ ...pledge(71), data: { country: 'KEN', personnel: 'many' } }] }, 'after-a-400');
    expect(bad.status).toBe(400);
    const before = await feed();
    const good = await append({ events: [pledge(71)] }, 'after-a-400');
    expect(good.status).toBe(201);
    expect(await feed()).toHaveLength(before.length + 1);
  });
});
