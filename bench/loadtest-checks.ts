// After the load: the log holds every acknowledged event exactly once and nothing else but
// what unanswered requests may have committed; streams have no version gaps; every read
// model equals a fresh fold of the log with the pure folds of libs/domain (as in
// test/replay-invariant.e2e-spec.ts).
import { isDeepStrictEqual } from 'node:util';
import {
  emptyFunding,
  emptyMission,
  emptyPersonnel,
  evolveFunding,
  evolveMission,
  evolvePersonnel,
  fundingByCurrency,
  fundingByDonor,
  FundingState,
  MissionState,
  PersonnelState,
  personnelTotals,
  missionTimeline,
  effectiveStream,
} from '@app/domain';
import { StoredEvent } from '@app/event-store';
import { HttpClient } from './lib/http-client';
import { sleep } from './lib/stats';
import { SentRequest } from './loadtest-appends';

export interface Verdict {
  check: string;
  ok: boolean;
  detail: string;
}

/** Waits until every projection is live and at the head of the log. */
export async function waitForProjections(http: HttpClient, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await http.send('GET', '/v1/projections');
    const projections: { name: string; status: string; position: number; headPosition: number }[] = body.projections;
    if (projections.every((p) => p.status === 'live' && p.position >= p.headPosition)) return;
    if (Date.now() > deadline) throw new Error(`projections did not catch up within ${timeoutMs / 1000} s: ${JSON.stringify(projections)}`);
    await sleep(200);
  }
}

export async function readWholeLog(http: HttpClient): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const { status, body } = await http.send('GET', `/v1/events?after=${after}&limit=1000`);
    if (status !== 200) throw new Error(`GET /v1/events: ${status}`);
    if (body.events.length === 0) return events;
    events.push(...body.events);
    after = body.next;
  }
}

const correlationOf = (event: StoredEvent) => (event.metadata as { correlationId?: string } | undefined)?.correlationId;

/** The log against the ledger of what was sent and acknowledged. */
export function checkLog(log: StoredEvent[], ledger: SentRequest[], missionIds: string[]): Verdict[] {
  const byPosition = new Map<number, StoredEvent>();
  let duplicatePositions = 0;
  for (const event of log) {
    if (byPosition.has(event.position)) duplicatePositions++;
    byPosition.set(event.position, event);
  }

  // Acknowledged: at the position the 201 named, with the correlation id that was sent there.
  let acknowledged = 0;
  const missing: string[] = [];
  for (const sent of ledger) {
    if (sent.status !== 201) continue;
    sent.correlationIds.forEach((id, k) => {
      acknowledged++;
      const event = byPosition.get(sent.positions![k]);
      if (!event || correlationOf(event) !== id || event.missionId !== sent.missionId) missing.push(`${id} at ${sent.positions![k]}`);
    });
  }

  // Everything in the log: a setup event, or sent by a request that was acknowledged or never answered.
  const requestOf = new Map<string, SentRequest>();
  for (const sent of ledger) for (const id of sent.correlationIds) requestOf.set(id, sent);
  const seen = new Map<string, number>();
  const unexpected: string[] = [];
  let setupEvents = 0;
  for (const event of log) {
    const id = correlationOf(event);
    if (id === undefined && event.type === 'MissionEstablished' && event.version === 1) {
      setupEvents++;
      continue;
    }
    const sent = id === undefined ? undefined : requestOf.get(id);
    if (!sent) unexpected.push(`position ${event.position}: not sent by the load test`);
    else if (sent.status !== undefined && sent.status !== 201) unexpected.push(`position ${event.position}: ${id} of a request answered ${sent.status}`);
    if (id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);

  // Unanswered requests (timeouts, the end of the run) committed all of their events or none.
  let unansweredCommitted = 0;
  const partial: string[] = [];
  for (const sent of ledger) {
    if (sent.status !== undefined) continue;
    const found = sent.correlationIds.filter((id) => seen.has(id)).length;
    if (found === sent.correlationIds.length) unansweredCommitted++;
    else if (found > 0) partial.push(`${sent.correlationIds[0]}: ${found}/${sent.correlationIds.length}`);
  }

  // Versions 1..n per stream, in log order.
  const versions = new Map<string, number[]>();
  for (const event of log) versions.set(event.missionId, [...(versions.get(event.missionId) ?? []), event.version]);
  const gaps = [...versions].filter(([, v]) => !v.every((version, i) => version === i + 1)).map(([missionId]) => missionId);
  const unknownMissions = [...versions.keys()].filter((m) => !missionIds.includes(m));

  const sample = (items: string[]) => (items.length ? `: ${items.slice(0, 3).join('; ')}${items.length > 3 ? '; ...' : ''}` : '');
  return [
    {
      check: 'every acknowledged event is in the log exactly once',
      ok: missing.length === 0 && twice.length === 0 && duplicatePositions === 0,
      detail: `${acknowledged} acknowledged, ${missing.length} missing or misplaced${sample(missing)}, ${twice.length} correlation ids twice${sample(twice)}, ${duplicatePositions} duplicate positions`,
    },
    {
      check: 'nothing unacknowledged in the log beyond unanswered requests',
      ok: unexpected.length === 0 && partial.length === 0 && setupEvents === missionIds.length && unknownMissions.length === 0,
      detail: `${log.length} events: ${setupEvents} setup, ${unexpected.length} unexpected${sample(unexpected)}, ${partial.length} partly committed${sample(partial)}; ${unansweredCommitted} of ${ledger.filter((s) => s.status === undefined).length} unanswered requests committed whole`,
    },
    { check: 'stream versions gap-free', ok: gaps.length === 0, detail: `${versions.size} streams, ${gaps.length} with gaps${sample(gaps)}` },
  ];
}

/** Every read model of every mission against a fresh fold of its events. */
export async function checkReadModels(http: HttpClient, log: StoredEvent[], missionIds: string[]): Promise<Verdict[]> {
  const byMission = new Map<string, StoredEvent[]>(missionIds.map((id) => [id, []]));
  for (const event of log) byMission.get(event.missionId)?.push(event);
  const wrong = { personnel: [] as string[], funding: [] as string[], timeline: [] as string[], missions: [] as string[] };
  const listed: Record<string, unknown>[] = (await http.send('GET', '/v1/missions')).body.missions;

  for (const [missionId, events] of byMission) {
    // The effective stream: corrections applied (the load test appends none, but the checks hold with them too).
    const effective = effectiveStream(events);
    const personnel = effective.reduce<PersonnelState>(evolvePersonnel, emptyPersonnel());
    const expectedPersonnel = {
      ...personnelTotals(personnel),
      byCountry: Object.keys(personnel.byCountry).sort().map((country) => ({ country, ...personnel.byCountry[country] })),
    };
    const { position: _p, missionId: _m, ...actualPersonnel } = (await http.send('GET', `/v1/missions/${missionId}/personnel`)).body;
    if (!isDeepStrictEqual(actualPersonnel, expectedPersonnel)) wrong.personnel.push(diff(missionId, expectedPersonnel, actualPersonnel));

    const funding = fundingByDonor(effective.reduce<FundingState>(evolveFunding, emptyFunding()));
    const expectedFunding = { byCurrency: fundingByCurrency(funding), byDonor: funding };
    const { position: _fp, missionId: _fm, ...actualFunding } = (await http.send('GET', `/v1/missions/${missionId}/funding`)).body;
    if (!isDeepStrictEqual(actualFunding, expectedFunding)) wrong.funding.push(diff(missionId, expectedFunding, actualFunding));

    const expectedTimeline = [...missionTimeline(events)].reverse().map(({ missionId: _id, country: _country, ...item }) => item);
    const actualTimeline = await readTimeline(http, missionId);
    if (!isDeepStrictEqual(actualTimeline, expectedTimeline)) wrong.timeline.push(diff(missionId, expectedTimeline.slice(0, 2), actualTimeline.slice(0, 2), `${actualTimeline.length} items, expected ${expectedTimeline.length}`));

    const mission = { ...effective.reduce<MissionState>(evolveMission, emptyMission()), streamVersion: events.at(-1)?.version ?? 0 };
    const expectedListing = { missionId, ...mission, personnel: personnelTotals(personnel) };
    const listing = listed.find((m) => m.missionId === missionId);
    // Compare the fields the fold defines; a listing may carry more.
    const actualListing = listing && Object.fromEntries(Object.keys(expectedListing).map((key) => [key, listing[key]]));
    if (!isDeepStrictEqual(actualListing, expectedListing)) wrong.missions.push(diff(missionId, expectedListing, actualListing));
  }

  const verdict = (model: keyof typeof wrong, what: string): Verdict => ({
    check: `${what} equals a fresh fold of the log`,
    ok: wrong[model].length === 0,
    detail: `${byMission.size} missions, ${wrong[model].length} differ${wrong[model].length ? `: ${wrong[model].slice(0, 2).join('; ')}` : ''}`,
  });
  return [verdict('personnel', 'personnel'), verdict('funding', 'funding'), verdict('timeline', 'timeline'), verdict('missions', 'missions list')];
}

async function readTimeline(http: HttpClient, missionId: string): Promise<unknown[]> {
  const items: { position: number }[] = [];
  for (let before: number | undefined; ; ) {
    const query = before === undefined ? '' : `&before=${before}`;
    const { status, body } = await http.send('GET', `/v1/missions/${missionId}/timeline?limit=1000${query}`);
    if (status !== 200) throw new Error(`timeline of ${missionId}: ${status}`);
    if (body.items.length === 0) return items;
    items.push(...body.items);
    before = body.items[body.items.length - 1].position;
  }
}

const diff = (missionId: string, expected: unknown, actual: unknown, note = '') =>
  `${missionId}${note ? ` (${note})` : ''} expected ${JSON.stringify(expected).slice(0, 300)} got ${JSON.stringify(actual).slice(0, 300)}`;
