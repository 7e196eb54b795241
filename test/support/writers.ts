// Concurrent HTTP writers for fault tests: each appends small valid events in a loop and
// records every answer (status, latency, headers), so a test can say what clients saw while
// a dependency was cut, and which events were acknowledged.
import { ADMIN_KEY } from './test-api';

export interface Answer {
  /** HTTP status, or 0 when the request failed (reset, refused) or timed out. */
  status: number;
  ms: number;
  at: number;
  contentType: string | null;
  retryAfter: string | null;
  error?: string;
}

export interface Writers {
  answers: Answer[];
  /** Ids of the events answered 201. */
  acknowledged: Set<string>;
  stop(): Promise<void>;
}

const EVENTS = [
  (i: number) => ({ type: 'PersonnelPledged', occurredAt: '2024-06-01', data: { country: ['KEN', 'USA', 'JAM'][i % 3], personnel: 1 + (i % 7) } }),
  (i: number) => ({ type: 'FundingPledged', occurredAt: '2024-06-02', data: { donor: 'USA', amount: `${1 + (i % 5)}.25`, currency: 'USD' } }),
  (i: number) => ({ type: 'ContingentDeparted', occurredAt: '2024-06-03', data: { country: 'KEN', personnel: 1 + (i % 3) } }),
];

export function startWriters(baseUrl: string, missionIds: string[], count: number, timeoutMs = 5_000): Writers {
  const answers: Answer[] = [];
  const acknowledged = new Set<string>();
  let stopped = false;
  const writer = async (w: number) => {
    for (let i = 0; !stopped; i++) {
      const missionId = missionIds[(w + i) % missionIds.length];
      const body = JSON.stringify({ events: [EVENTS[i % EVENTS.length](i + w)] });
      const started = Date.now();
      try {
        const response = await fetch(`${baseUrl}/v1/missions/${missionId}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        answers.push({
          status: response.status,
          ms: Date.now() - started,
          at: started,
          contentType: response.headers.get('content-type'),
          retryAfter: response.headers.get('retry-after'),
        });
        if (response.status === 201) for (const event of JSON.parse(text).events) acknowledged.add(event.id);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      } catch (error) {
        answers.push({ status: 0, ms: Date.now() - started, at: started, contentType: null, retryAfter: null, error: String((error as Error).cause ?? error) });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const running = Array.from({ length: count }, (_, w) => writer(w));
  return {
    answers,
    acknowledged,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

export const establish = (missionId: string) => ({
  expectedVersion: 0,
  events: [{ type: 'MissionEstablished', occurredAt: '2024-01-01', data: { name: `Mission ${missionId}`, hostCountry: 'HTI', leadNation: 'KEN' } }],
});

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
