// Server-sent events over real HTTP: the stream sends the read models at once and again
// when an append moves them.
import { established, personnelEvent } from './support/events';
import { ADMIN_KEY } from './support/test-api';
import { Harness, startHarness } from './support/projection-harness';

interface SseEvent {
  event: string;
  data: any;
}

/** Reads server-sent events from a fetch body until `until` says stop. */
async function readEvents(body: ReadableStream<Uint8Array>, until: (events: SseEvent[]) => boolean, timeoutMs = 15_000): Promise<SseEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(events)) {
    if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(events)}`);
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  reader.releaseLock();
  return events;
}

describe('live read models (server-sent events)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('live', 1);
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

  it('is 404 for an unknown mission and 401 without a key', async () => {
    expect((await h.api.request('GET', '/v1/missions/no-such/live')).status).toBe(404);
    expect((await h.api.request('GET', '/v1/missions/live/live', { key: null })).status).toBe(401);
  });
});
