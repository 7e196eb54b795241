// Sustained appends with autocannon: `clients` keep-alive connections post single events and
// small batches to many missions for `seconds`. Each request's body is built per request
// (setupRequest) and its 201 body captured (onResponse), so a ledger says what was sent and
// what was acknowledged where; the checks then hold the log against it.
import autocannon from 'autocannon';
import { HttpClient } from './lib/http-client';
import { batchSize, loadEvent, loadMissionId } from './loadtest-workload';

export interface SentRequest {
  missionId: string;
  correlationIds: string[];
  /** HTTP status of the answer; undefined when none came (timeout, connection reset, end of run). */
  status?: number;
  /** Positions from the 201 body, in the order of `correlationIds`. */
  positions?: number[];
}

export interface AppendLoadResult {
  seconds: number;
  clients: number;
  missions: number;
  requests: { sent: number; answered: number; perSecond: number };
  events: { sent: number; acknowledged: number; perSecond: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  ledger: SentRequest[];
}

const PROGRESS_MS = 5_000;

export async function runAppendLoad(
  baseUrl: string,
  adminKey: string,
  options: { seconds: number; clients: number; missions: number },
  log: (line: string) => void,
): Promise<AppendLoadResult> {
  const ledger: SentRequest[] = [];
  let eventCounter = 0;
  let acknowledged = 0;
  let answered = 0;
  let serverErrors = 0;

  let finished!: (error: Error | null, result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => (finished = (error, result) => (error ? reject(error) : resolve(result))));
  autocannon({
    url: baseUrl,
    connections: options.clients,
    duration: options.seconds,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context: { index?: number }) => {
          const index = ledger.length;
          // A stride prime to `missions` spreads consecutive requests over different streams.
          const missionId = loadMissionId((index * 7919) % options.missions);
          const correlationIds = Array.from({ length: batchSize(index) }, (_, k) => `lt-${index}-${k}`);
          const events = correlationIds.map((id) => loadEvent(eventCounter++, id));
          ledger.push({ missionId, correlationIds });
          context.index = index;
          return { ...request, path: `/v1/missions/${missionId}/events`, body: JSON.stringify({ events }) };
        },
        onResponse: (status, body, context: { index?: number }) => {
          const sent = ledger[context.index!];
          sent.status = status;
          answered++;
          if (status >= 500) serverErrors++;
          if (status === 201) {
            sent.positions = (JSON.parse(body).events as { position: number }[]).map((e) => e.position);
            acknowledged += sent.positions.length;
          }
        },
      },
    ],
  }, (error, result) => finished(error, result));

  // One line every few seconds: how far, how fast, and whether the worker keeps up.
  const http = new HttpClient(baseUrl, adminKey, 1);
  const started = performance.now();
  let lastAnswered = 0;
  const progress = setInterval(async () => {
    const elapsed = (performance.now() - started) / 1000;
    const rate = ((answered - lastAnswered) * 1000) / PROGRESS_MS;
    lastAnswered = answered;
    let lag = '?';
    try {
      const { body } = await http.send('GET', '/v1/projections');
      lag = String(Math.max(...body.projections.map((p: { lagEvents: number }) => p.lagEvents)));
    } catch {
      // the service is too busy to answer: the line says '?'
    }
    log(`${elapsed.toFixed(0)}/${options.seconds} s: ${answered} requests (${rate.toFixed(0)}/s), ${acknowledged} events acknowledged, ${serverErrors} 5xx, projection lag ${lag} events`);
  }, PROGRESS_MS);

  const result = await done.finally(() => {
    clearInterval(progress);
    http.close();
  });

  const statusCodes: Record<string, number> = {};
  for (const sent of ledger) if (sent.status !== undefined) statusCodes[sent.status] = (statusCodes[sent.status] ?? 0) + 1;
  const seconds = result.duration;
  const eventsSent = ledger.reduce((n, r) => n + r.correlationIds.length, 0);
  return {
    seconds,
    clients: options.clients,
    missions: options.missions,
    requests: { sent: ledger.length, answered, perSecond: answered / seconds },
    events: { sent: eventsSent, acknowledged, perSecond: acknowledged / seconds },
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    ledger,
  };
}
