// Property-based specs of the history fold (fast-check), for random streams accepted by the
// write side — dated out of order, some dated the same day, with mandates, retractions and
// corrections:
// - every point equals `asOf` of its date (the effective events that occurred by the end of
//   that day, folded in log order), `authorized` included;
// - the points are exactly the days on which an effective event occurred;
// - history kept incrementally (batch by batch as the runner does: events folded onto the
//   stored days, a batch with a correction refolded from the log; only the days from
//   `changedFrom` on written) equals a rebuild event by event.
import fc from 'fast-check';
import { DomainEvent } from '../catalogue';
import { effectiveStream } from '../effective-stream';
import { decide, DomainError, initialState, MissionStreamState } from '../mission-stream';
import { endOfDay, utcDay } from '../occurred-at';
import { emptyFigures, evolveFigures, historyPoint } from './figures';
import { emptyHistory, evolveHistory, evolveHistoryMany, historyPoints, HistoryState, historyWritten } from './history';
import { RecordedEvent } from './recorded-event';

const RUNS = Number(process.env.DOMAIN_PROPERTY_RUNS ?? 200);

const country = fc.constantFrom('KEN', 'JAM');
const personnel = fc.integer({ min: 1, max: 300 });
const amount = fc.integer({ min: 1, max: 10_000 }).map((n) => `${n}.5`);
/** Few days, so that many events share one and later ones land before earlier ones. */
const day = fc.integer({ min: 0, max: 40 }).map((n) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000 + (n % 3) * 3_600_000).toISOString());
const isoDay = fc.integer({ min: 0, max: 40 }).map((n) => utcDay(new Date(Date.UTC(2024, 0, 1) + n * 86_400_000)));

const reported: fc.Arbitrary<DomainEvent> = fc.oneof(
  fc.record({ type: fc.constant('PersonnelRequirementSet' as const), data: fc.record({ required: fc.integer({ min: 0, max: 5000 }) }) }),
  fc.record({ type: fc.constant('PersonnelPledged' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('PledgeRevised' as const), data: fc.record({ country, personnel: fc.integer({ min: 0, max: 300 }) }) }),
  fc.record({ type: fc.constant('ContingentDeparted' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('ContingentArrived' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('PersonnelWithdrawn' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('FundingPledged' as const), data: fc.record({ donor: fc.constantFrom('USA', 'CAN'), amount, currency: fc.constantFrom('USD', 'CAD') }) }),
  fc.record({ type: fc.constant('FundingDisbursed' as const), data: fc.record({ donor: fc.constant('USA'), amount, currency: fc.constant('USD') }) }),
  fc.record({ type: fc.constant('SupportDeclared' as const), data: fc.record({ supporter: fc.constantFrom('CAN', 'USA') }) }),
  fc
    .record({ adoptedOn: isoDay, length: fc.option(fc.integer({ min: 0, max: 20 })), ceiling: fc.option(fc.integer({ min: 0, max: 6000 })) })
    .map(({ adoptedOn, length, ceiling }) => ({
      type: 'MandateAuthorized' as const,
      data: {
        authority: 'UN Security Council',
        instrument: `S/RES/${adoptedOn}`,
        adoptedOn,
        ...(length !== null && { expiresOn: utcDay(new Date(Date.parse(adoptedOn) + length * 86_400_000)) }),
        ...(ceiling !== null && { personnelCeiling: ceiling }),
      },
    })),
);

type Step = { kind: 'report'; event: DomainEvent; at: string } | { kind: 'retract'; target: number; at: string } | { kind: 'correct'; target: number; personnel: number; at: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('report' as const), event: reported, at: day }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retract' as const), target: fc.nat(), at: day }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('correct' as const), target: fc.nat(), personnel, at: day }) },
);

/** The log the write side accepts, event by event (its rules are checked in log order). */
function logOf(steps: Step[]): RecordedEvent[] {
  const log: RecordedEvent[] = [];
  let state: MissionStreamState = initialState();
  const append = (event: DomainEvent, occurredAt: string) => {
    try {
      state = decide(state, [event], log);
    } catch (error) {
      if (error instanceof DomainError) return;
      throw error;
    }
    const version = log.length + 1;
    log.push({ ...event, id: `00000000-0000-4000-8000-${String(version).padStart(12, '0')}`, missionId: 'm', version, position: version, occurredAt } as RecordedEvent);
  };
  append({ type: 'MissionEstablished', data: { name: 'M', hostCountry: 'HTI' } }, '2024-01-10T00:00:00.000Z');
  for (const s of steps) {
    if (s.kind === 'report') append(s.event, s.at);
    else if (log.length > 1) {
      const target = log[1 + (s.target % (log.length - 1))];
      if (s.kind === 'retract') append({ type: 'EventRetracted', data: { eventId: target.id, reason: 'test' } }, s.at);
      else if ('personnel' in (target.data as object)) {
        append({ type: 'EventCorrected', data: { eventId: target.id, data: { ...(target.data as object), personnel: s.personnel }, reason: 'test' } }, s.at);
      }
    }
  }
  return log;
}

const rebuild = (log: RecordedEvent[]): HistoryState => effectiveStream(log).reduce(evolveHistory, emptyHistory());

/** asOf of a day, folded the plain way: the effective events that occurred by its end, in log order. */
function asOf(log: RecordedEvent[], date: string) {
  const end = endOfDay(date)!.getTime();
  const figures = effectiveStream(log)
    .filter((e) => Date.parse(e.occurredAt) <= end)
    .reduce(evolveFigures, emptyFigures());
  return historyPoint(date, figures);
}

/** The runner's way: batches of the log; a batch with a correction refolds; the table keeps the days written. */
function keptIncrementally(log: RecordedEvent[], cuts: number[]): Map<string, unknown> {
  const table = new Map<string, unknown>();
  let state = emptyHistory();
  const bounds = [...new Set(cuts.map((c) => c % (log.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  for (const end of [...bounds, log.length]) {
    const batch = log.slice(start, end);
    if (batch.length === 0) continue;
    const refolded = batch.some((e) => e.type === 'EventRetracted' || e.type === 'EventCorrected');
    if (refolded) {
      state = rebuild(log.slice(0, end));
      table.clear();
    } else {
      state = evolveHistoryMany(state, batch);
    }
    for (const { day, figures } of state.days) if (refolded || (state.changedFrom !== null && day >= state.changedFrom)) table.set(day, historyPoint(day, figures));
    state = historyWritten(state);
    start = end;
  }
  return table;
}

describe('history (property-based)', () => {
  it('every point equals asOf of its date, and points are exactly the days with an effective event', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const log = logOf(steps);
        const points = historyPoints(rebuild(log));
        const days = [...new Set(effectiveStream(log).map((e) => utcDay(e.occurredAt)))].sort();
        expect(points.map((p) => p.date)).toEqual(days);
        for (const point of points) expect(point).toEqual(asOf(log, point.date));
      }),
      { numRuns: RUNS },
    );
  });

  it('kept incrementally, batch by batch, it equals a rebuild', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (steps, cuts) => {
        const log = logOf(steps);
        const rebuilt = new Map(historyPoints(rebuild(log)).map((p) => [p.date, p]));
        expect(keptIncrementally(log, cuts)).toEqual(rebuilt);
      }),
      { numRuns: RUNS },
    );
  });

  it('never changes the state it is given', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const log = effectiveStream(logOf(steps));
        let state = emptyHistory();
        for (const event of log) {
          const before = JSON.stringify(state);
          const next = evolveHistory(state, event);
          expect(JSON.stringify(state)).toBe(before);
          state = next;
        }
      }),
      { numRuns: 50 },
    );
  });
});
