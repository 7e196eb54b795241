// "Projections equal a replay", checked from outside after a fault: the whole log read over
// HTTP, each stream gap-free, every acknowledged event in it exactly once, and each mission's
// read models equal to the pure folds of libs/domain over its effective stream.
import {
  authorizedOn,
  effectiveStream,
  emptyMandates,
  evolveMandates,
  utcDay,
  emptyFunding,
  emptyPersonnel,
  evolveFunding,
  evolvePersonnel,
  fundingByCurrency,
  fundingByDonor,
  FundingState,
  PersonnelState,
  personnelTotals,
} from '@app/domain';
import { StoredEvent } from '@app/event-store';
import { expectEventually } from './eventually';

type Get = (path: string) => Promise<{ status: number; body: any }>;

export async function readWholeLog(get: Get): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (let after = 0; ; ) {
    const { status, body } = await get(`/v1/events?after=${after}&limit=1000`);
    if (status !== 200) throw new Error(`reading the log: ${status} ${JSON.stringify(body)}`);
    if (body.events.length === 0) return events;
    events.push(...body.events);
    after = body.next;
  }
}

/** `acknowledged`: ids of events whose append was answered 201. */
export async function expectLogIntactAndReadModelsReplayed(get: Get, acknowledged: Iterable<string>): Promise<StoredEvent[]> {
  const log = await readWholeLog(get);
  const ids = log.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  const inLog = new Set(ids);
  const missing = [...acknowledged].filter((id) => !inLog.has(id));
  expect(missing).toEqual([]);

  const byMission = new Map<string, StoredEvent[]>();
  for (const event of log) byMission.set(event.missionId, [...(byMission.get(event.missionId) ?? []), event]);
  for (const [missionId, events] of byMission) await expectMissionReplayed(get, missionId, events);
  return log;
}

/**
 * One mission's stream is gap-free and its personnel and funding read models equal the pure
 * folds of its events. Returns the personnel fold, for callers that check more.
 */
export async function expectMissionReplayed(get: Get, missionId: string, events: StoredEvent[]): Promise<PersonnelState> {
  expect({ missionId, versions: events.map((e) => e.version) }).toEqual({ missionId, versions: events.map((_, i) => i + 1) });

  // The effective stream: corrections applied (section 10).
  const effective = effectiveStream(events);
  const personnel = effective.reduce<PersonnelState>(evolvePersonnel, emptyPersonnel());
  const mandates = effective.reduce(evolveMandates, emptyMandates());
  const actualPersonnel = (await get(`/v1/missions/${missionId}/personnel`)).body;
  expect({ ...actualPersonnel, position: undefined }).toEqual({
    missionId,
    position: undefined,
    ...personnelTotals(personnel),
    authorized: authorizedOn(mandates, utcDay(new Date())),
    byCountry: Object.keys(personnel.byCountry).sort().map((country) => ({ country, ...personnel.byCountry[country] })),
  });

  const funding = effective.reduce<FundingState>(evolveFunding, emptyFunding());
  const actualFunding = (await get(`/v1/missions/${missionId}/funding`)).body;
  expect(actualFunding.byDonor).toEqual(fundingByDonor(funding));
  expect(actualFunding.byCurrency).toEqual(fundingByCurrency(fundingByDonor(funding)));
  return personnel;
}

/** Waits until every projection reflects the whole log (and is live). */
export async function waitForProjectionsCaughtUp(get: Get, timeoutMs = 20_000): Promise<void> {
  await expectEventually(
    async () => {
      const { status, body } = await get('/v1/projections').catch(() => ({ status: 0, body: undefined }));
      const caughtUp =
        status === 200 && body.projections.every((p: { status: string; position: number; headPosition: number }) => p.status === 'live' && p.position === p.headPosition);
      if (!caughtUp) throw new Error(`projections did not catch up: ${status} ${JSON.stringify(body)}`);
    },
    timeoutMs,
    100,
  );
}
