// Server-sent events over real HTTP: the stream sends the read models at once and again
// when an append moves them.
import { established, personnelEvent } from './support/events';
import { ADMIN_KEY, startTestApi } from './support/test-api';
import { Harness, startHarness } from './support/projection-harness';
import { expectEventually } from './support/eventually';
import { readEvents } from './support/sse';
import { LiveHub } from '../apps/api/src/read-models/live-hub';
import { ReadModelsService } from '../apps/api/src/read-models/read-models.service';

describe('live read models (server-sent events)', () => {
  let h: Harness;
  beforeAll(async () => {
    // Its tests open up to 200 streams with the one admin key: far above the default cap per key.
    h = await startHarness('live', 1, {}, { LIVE_STREAMS_PER_KEY: '1000' });
  });
  afterAll(() => h.close());

  it('sends personnel and funding at once, then the new personnel after an append', async () => {
    await h.api.request('POST', '/v1/missions/live/events', { body: { events: [established(), personnelEvent('PersonnelPledged', 'KEN', 100)] } });
    await h.quiesce();
    const controller = new AbortController();
    const response = await fetch(`${h.api.baseUrl}/v1/missions/live/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');

    const initial = await readEvents(response.body!, (events) => events.length >= 2);
    expect(initial.map((e) => e.event).sort()).toEqual(['funding', 'personnel']);
    expect(initial.find((e) => e.event === 'personnel')!.data).toMatchObject({ missionId: 'live', pledged: 100 });

    await h.api.request('POST', '/v1/missions/live/events', { body: { events: [personnelEvent('PersonnelPledged', 'CAN', 50)] } });
    const next = await readEvents(response.body!, (events) => events.some((e) => e.event === 'personnel'));
    expect(next.find((e) => e.event === 'personnel')!.data).toMatchObject({ missionId: 'live', pledged: 150 });
    controller.abort();
  });

  it('shares one read per changed mission between all its viewers, and releases them when they leave', async () => {
    await h.api.request('POST', '/v1/missions/crowd/events', { body: { events: [established(), personnelEvent('PersonnelPledged', 'KEN', 1)] } });
    await h.quiesce();
    const hub = h.api.app.get(LiveHub);
    const readModels = h.api.app.get(ReadModelsService);
    const VIEWERS = 100;
    const controllers = Array.from({ length: VIEWERS }, () => new AbortController());
    const bodies = await Promise.all(
      controllers.map(async (controller) => {
        const response = await fetch(`${h.api.baseUrl}/v1/missions/crowd/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: controller.signal });
        expect(response.status).toBe(200);
        await readEvents(response.body!, (events) => events.length >= 2);
        return response.body!;
      }),
    );
    expect(hub.streams).toBeGreaterThanOrEqual(VIEWERS);
    const reads = jest.spyOn(readModels, 'personnel');
    const { body } = await h.api.request('POST', '/v1/missions/crowd/events', { body: { events: [personnelEvent('PersonnelPledged', 'CAN', 2)] } });
    const updates = await Promise.all(bodies.map((b) => readEvents(b, (events) => events.some((e) => e.event === 'personnel'))));
    for (const events of updates) expect(events.find((e) => e.event === 'personnel')!.data).toMatchObject({ pledged: 3, position: body.events[0].position });
    // one read for 100 viewers (two if the projection happened to advance twice)
    expect(reads.mock.calls.filter(([missionId]) => missionId === 'crowd').length).toBeLessThanOrEqual(2);
    reads.mockRestore();

    for (const controller of controllers) controller.abort();
    // (a read in flight when the last viewer left keeps its feed until it finishes)
    await expectEventually(() => expect([hub.streams, hub.missions]).toEqual([0, 0]));
  });

  it('never subscribes a viewer that left before the first read finished', async () => {
    const hub = h.api.app.get(LiveHub);
    const readModels = h.api.app.get(ReadModelsService);
    // Hold the first read until every viewer has arrived and left.
    const read = readModels.personnel.bind(readModels);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = jest.spyOn(readModels, 'personnel').mockImplementation(async (...args) => {
      await gate;
      return read(...args);
    });
    const arrivals = jest.spyOn(hub, 'snapshot');
    const VIEWERS = 200;
    const controllers = Array.from({ length: VIEWERS }, () => new AbortController());
    const responses = controllers.map((controller) =>
      fetch(`${h.api.baseUrl}/v1/missions/live/live`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: controller.signal }).catch(() => undefined),
    );
    await expectEventually(() => expect(arrivals).toHaveBeenCalledTimes(VIEWERS));
    for (const controller of controllers) controller.abort();
    await Promise.all(responses);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the server sees the sockets close
    release();
    await expectEventually(() => {
      expect(hub.streams).toBe(0);
      expect(hub.missions).toBe(0);
    });
    held.mockRestore();
    arrivals.mockRestore();
    // and an append afterwards costs no read for them
    const reads = jest.spyOn(readModels, 'personnel');
    await h.api.request('POST', '/v1/missions/live/events', { body: { events: [personnelEvent('PersonnelPledged', 'CAN', 1)] } });
    await h.quiesce();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
  });

  it('ends a stream at once when its key is revoked', async () => {
    const created = (await h.api.request('POST', '/v1/api-keys', { body: { name: 'live-viewer', role: 'viewer' } })).body;
    const response = await fetch(`${h.api.baseUrl}/v1/missions/live/live`, { headers: { authorization: `Bearer ${created.key}` } });
    expect(response.status).toBe(200);
    await readEvents(response.body!, (events) => events.length >= 2);
    expect((await h.api.request('DELETE', `/v1/api-keys/${created.id}`)).status).toBe(204);
    // the server ends the stream: the reader sees its end, with no further event
    const after = await readEvents(response.body!, () => false, 5_000);
    expect(after).toEqual([]);
  });

  it('caps the streams of one API key, its sessions included, so that other keys still get theirs', async () => {
    const CAP = 3;
    const capped = await startTestApi(h.db.url, { LIVE_STREAMS_PER_KEY: String(CAP), REDIS_PREFIX: h.api.redisPrefix });
    const opened: AbortController[] = [];
    const open = async (headers: Record<string, string>) => {
      const controller = new AbortController();
      opened.push(controller);
      const response = await fetch(`${capped.baseUrl}/v1/missions/capped/live`, { headers, signal: controller.signal });
      return { response, controller };
    };
    try {
      await h.api.request('POST', '/v1/missions/capped/events', { body: { events: [established()] } });
      await h.quiesce();
      const viewer = (await h.api.request('POST', '/v1/api-keys', { body: { name: 'live-capped', role: 'viewer' } })).body;
      const bearer = { authorization: `Bearer ${viewer.key}` };
      const streams = [];
      for (let i = 0; i < CAP; i++) {
        const stream = await open(bearer);
        expect(stream.response.status).toBe(200);
        await readEvents(stream.response.body!, (events) => events.length >= 2);
        streams.push(stream);
      }

      const refused = await open(bearer);
      expect(refused.response.status).toBe(429);
      expect(refused.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.response.headers.get('retry-after')).toBe('10');
      expect(await refused.response.json()).toMatchObject({
        status: 429,
        detail: `the API key "live-capped" already has ${CAP} live streams open on this server (LIVE_STREAMS_PER_KEY); close one or retry later`,
      });
      // A session of the same key counts as the key: signing in again gains nothing.
      const signIn = await capped.request('POST', '/v1/session', { body: { key: viewer.key }, key: null });
      const byCookie = await open({ cookie: signIn.headers.get('set-cookie')!.split(';')[0] });
      expect(byCookie.response.status).toBe(429);
      await byCookie.response.body?.cancel();

      // Another key still gets a stream.
      const admin = await open({ authorization: `Bearer ${ADMIN_KEY}` });
      expect(admin.response.status).toBe(200);
      await readEvents(admin.response.body!, (events) => events.length >= 2);

      // A stream that ends gives its slot back.
      streams[0].controller.abort();
      await expectEventually(async () => {
        const again = await open(bearer);
        if (again.response.status !== 200) await again.response.body?.cancel();
        expect(again.response.status).toBe(200);
      });
    } finally {
      for (const controller of opened) controller.abort();
      await capped.close();
    }
  });

  it('is 404 for an unknown mission and 401 without a key', async () => {
    expect((await h.api.request('GET', '/v1/missions/no-such/live')).status).toBe(404);
    expect((await h.api.request('GET', '/v1/missions/live/live', { key: null })).status).toBe(401);
  });
});
