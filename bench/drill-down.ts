// Scenario 8: what a reader's drill-down costs on a mission of 10,000 events (contract section
// 10): the contributions behind a figure (a fold of the mission's effective stream per request),
// a knownAt read, CSV of the larger tables, and a correction's refold of the whole mission
// (from its append until the read models show it). Latencies over HTTP, medians of repeats.
// With the history read model (section 10) and the mandates and indicators of section 11: the
// history of the whole mission (stored points), a knownAt history (a fold per request), and the
// rebuild of the history projection beside the personnel one's (cost per event of the log).
import { HttpClient } from './lib/http-client';
import { median } from './lib/stats';

export interface DrillDownResult {
  events: number;
  /** Hours between the events' occurredAt (24: every event on a day of its own, the most history points). */
  spacingHours: number;
  /** History points of the mission. */
  historyPoints: number;
  /** Rebuild of one projection over the whole log, from the request until live at the head. */
  rebuilds: { projection: string; ms: number; eventsPerSecond: number }[];
  reads: { read: string; p50Ms: number; maxMs: number; bytes: number }[];
  /** From the correction's 201 to a minPosition read that reflects it (the runner refolds the mission). */
  correctionVisibleMs: number;
}

const MISSION = 'bench-drill';
const COUNTRIES = ['KEN', 'JAM', 'BHS', 'BLZ', 'GTM', 'SLV'];
const DONORS = ['USA', 'CAN', 'FRA'];

/** Event i of the drill mission: arrivals and departures per country, pledges and disbursements per donor. */
function drillEvent(i: number, spacingHours: number) {
  const occurredAt = new Date(Date.UTC(1990, 5, 25) + i * spacingHours * 3_600_000).toISOString();
  const country = COUNTRIES[i % COUNTRIES.length];
  const donor = DONORS[i % DONORS.length];
  switch (i % 4) {
    case 0:
      return { type: 'ContingentDeparted', occurredAt, data: { country, personnel: 5 } };
    case 1:
      return { type: 'ContingentArrived', occurredAt, data: { country, personnel: 5 } };
    case 2:
      return { type: 'FundingPledged', occurredAt, data: { donor, amount: `${1000 + i}.50`, currency: 'USD' }, metadata: { source: { publisher: 'Benchmark (made-up data)' } } };
    default:
      return { type: 'FundingDisbursed', occurredAt, data: { donor, amount: `${i}.25`, currency: 'USD' } };
  }
}

export async function drillDownReads(baseUrl: string, key: string, http: HttpClient, events = 10_000, repeats = 15, spacingHours = 1): Promise<DrillDownResult> {
  const founded = await http.send('POST', `/v1/missions/${MISSION}/events`, {
    expectedVersion: 0,
    events: [
      { type: 'MissionEstablished', occurredAt: '1990-06-01', data: { name: 'Drill-down benchmark (made-up data)', hostCountry: 'HTI' } },
      { type: 'MandateAuthorized', occurredAt: '1990-06-01', data: { authority: 'Benchmark', instrument: 'made-up', adoptedOn: '1990-06-01', personnelCeiling: 5000 } },
    ],
  });
  if (founded.status !== 201) throw new Error(`drill mission: ${founded.status} ${JSON.stringify(founded.body)}`);
  let arrivalId = '';
  let last = 0;
  for (let from = 2; from < events; from += 100) {
    const batch = Array.from({ length: Math.min(100, events - from) }, (_, k) => drillEvent(from + k, spacingHours));
    const answer = await http.send('POST', `/v1/missions/${MISSION}/events`, { events: batch });
    if (answer.status !== 201) throw new Error(`drill mission: ${answer.status} ${JSON.stringify(answer.body)}`);
    arrivalId ||= answer.body.events[batch.findIndex((e) => e.type === 'ContingentArrived')].id;
    last = answer.body.events.at(-1).position;
  }
  await get(baseUrl, key, `/v1/missions/${MISSION}/personnel?minPosition=${last}`);
  await get(baseUrl, key, `/v1/missions/${MISSION}/history?minPosition=${last}`);

  const reads: [string, string][] = [
    ['contributions personnel.deployed', `/v1/missions/${MISSION}/contributions?figure=personnel.deployed`],
    ['contributions funding.pledged (USD)', `/v1/missions/${MISSION}/contributions?figure=funding.pledged&currency=USD`],
    ['contributions, one country, CSV', `/v1/missions/${MISSION}/contributions?figure=personnel.deployed&country=JAM&format=csv`],
    ['personnel knownAt (a replay)', `/v1/missions/${MISSION}/personnel?knownAt=${new Date().toISOString()}`],
    ['funding CSV', `/v1/missions/${MISSION}/funding?format=csv`],
    ['timeline CSV, 1,000 items', `/v1/missions/${MISSION}/timeline?format=csv&limit=1000`],
    ['history, every point (the read model)', `/v1/missions/${MISSION}/history`],
    ['history CSV', `/v1/missions/${MISSION}/history?format=csv`],
    ['history knownAt (a fold per request)', `/v1/missions/${MISSION}/history?knownAt=${new Date().toISOString()}`],
    ['personnel (with authorized)', `/v1/missions/${MISSION}/personnel`],
    ['mandates', `/v1/missions/${MISSION}/mandates`],
  ];
  const historyPoints = (JSON.parse(await get(baseUrl, key, `/v1/missions/${MISSION}/history`)) as { points: unknown[] }).points.length;
  const result: DrillDownResult = { events, spacingHours, historyPoints, rebuilds: [], reads: [], correctionVisibleMs: 0 };
  for (const [read, path] of reads) {
    const times: number[] = [];
    let bytes = 0;
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      bytes = (await get(baseUrl, key, path)).length;
      times.push(performance.now() - started);
    }
    result.reads.push({ read, p50Ms: median(times), maxMs: Math.max(...times), bytes });
  }

  const started = performance.now();
  const corrected = await http.send('POST', `/v1/missions/${MISSION}/events`, {
    events: [{ type: 'EventCorrected', occurredAt: '2026-12-04', data: { eventId: arrivalId, data: { country: 'JAM', personnel: 4 }, reason: 'benchmark correction' } }],
  });
  if (corrected.status !== 201) throw new Error(`drill correction: ${corrected.status} ${JSON.stringify(corrected.body)}`);
  await get(baseUrl, key, `/v1/missions/${MISSION}/personnel?minPosition=${corrected.body.events[0].position}`);
  result.correctionVisibleMs = performance.now() - started;
  await get(baseUrl, key, `/v1/missions/${MISSION}/history?minPosition=${corrected.body.events[0].position}`);

  for (const projection of ['personnel', 'history']) {
    const begun = performance.now();
    const rebuild = await http.send('POST', `/v1/projections/${projection}/rebuild`, {});
    if (rebuild.status !== 202) throw new Error(`rebuild ${projection}: ${rebuild.status} ${JSON.stringify(rebuild.body)}`);
    for (;;) {
      const { projections } = JSON.parse(await get(baseUrl, key, '/v1/projections')) as { projections: { name: string; status: string; position: number; headPosition: number }[] };
      const p = projections.find((x) => x.name === projection)!;
      if (p.status === 'live' && p.position === p.headPosition) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = performance.now() - begun;
    result.rebuilds.push({ projection, ms, eventsPerSecond: (events / ms) * 1000 });
  }
  return result;
}

async function get(baseUrl: string, key: string, path: string): Promise<string> {
  const response = await fetch(new URL(path, baseUrl), { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 200)}`);
  return text;
}

export function drillDownTable(r: DrillDownResult) {
  return {
    title: `8. Drill-down reads on a mission of ${r.events.toLocaleString('en-US')} events, ${r.spacingHours} h apart (${r.historyPoints.toLocaleString('en-US')} history points; latency over HTTP; target: well under a second)`,
    header: ['read', 'p50 ms', 'max ms', 'bytes'],
    rows: [
      ...r.reads.map((x) => [x.read, x.p50Ms.toFixed(1), x.maxMs.toFixed(1), x.bytes.toLocaleString('en-US')]),
      ['a correction, from its 201 until the read models show it (refold of the mission)', r.correctionVisibleMs.toFixed(0), '', ''],
      ...r.rebuilds.map((x) => [`rebuild of ${x.projection} over the log (${Math.round(x.eventsPerSecond).toLocaleString('en-US')} events/s)`, x.ms.toFixed(0), '', '']),
    ],
  };
}
