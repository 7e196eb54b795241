// Property-based specs of the read-model folds (fast-check): for any log of valid events,
// folding it batch by batch — each batch starting from the state as the worker stores and
// reloads it — gives the fold of the whole log; `asOf` at the far future is the live model;
// and funding sums are exactly the BigInt sums of the amounts.
import fc from 'fast-check';
import { DomainEvent } from './catalogue';
import { decide, evolve, initialState } from './mission-stream';
import { formatAmount, parseAmount } from './money';
import { endOfDay } from './occurred-at';
import { emptyFunding, evolveFunding, fundingByCurrency, fundingByDonor, FundingState } from './projections/funding';
import { emptyMission, evolveMission, MissionState } from './projections/missions';
import { emptyPersonnel, evolvePersonnel, PersonnelState, personnelTotals } from './projections/personnel';
import { RecordedEvent } from './projections/recorded-event';
import { timelineItem } from './projections/timeline';
import { validateEvent } from './validation';

const RUNS = Number(process.env.DOMAIN_PROPERTY_RUNS ?? 300);

// ---------------------------------------------------------------------------------------------
// Generating logs of valid events
// ---------------------------------------------------------------------------------------------

const country = fc.constantFrom('KEN', 'USA', 'CAN', 'HTI', 'JAM');
const party = fc.constantFrom('USA', 'CAN', 'European Union', 'Trust fund for Haiti');
const currency = fc.constantFrom('USD', 'EUR', 'CAD');
const personnel = fc.oneof(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 10_000_000 }));
const digits = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
/** What the API accepts as an amount: up to 20 digits (leading zeros too), up to 4 decimals. */
const decimal = fc
  .tuple(fc.oneof(digits(1, 20), fc.bigInt({ min: 0n, max: 10n ** 9n }).map(String)), fc.option(digits(1, 4)))
  .map(([whole, fraction]) => (fraction === null ? whole : `${whole}.${fraction}`));
const positiveAmount = decimal.filter((amount) => parseAmount(amount) > 0n);
/** Any instant the API accepts (UTC 1900..9999), as the log stores it. */
const occurredAt = fc.date({ min: new Date('1900-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());

/** Any event of the catalogue except MissionEstablished (which is only valid first). */
const laterEvent: fc.Arbitrary<DomainEvent> = fc.oneof(
  fc.record({ type: fc.constant('PersonnelRequirementSet' as const), data: fc.record({ required: fc.integer({ min: 0, max: 10_000_000 }) }) }),
  fc.record({ type: fc.constant('PersonnelPledged' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('PledgeRevised' as const), data: fc.record({ country, personnel: fc.integer({ min: 0, max: 10_000_000 }) }) }),
  fc.record({ type: fc.constant('FarewellHeld' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('ContingentDeparted' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('ContingentArrived' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('PersonnelWithdrawn' as const), data: fc.record({ country, personnel }) }),
  fc.record({ type: fc.constant('FundingPledged' as const), data: fc.record({ donor: party, amount: positiveAmount, currency }) }),
  fc.record({ type: fc.constant('FundingPledgeRevised' as const), data: fc.record({ donor: party, amount: decimal, currency }) }),
  fc.record({ type: fc.constant('FundingCommitted' as const), data: fc.record({ donor: party, amount: positiveAmount, currency }) }),
  fc.record({ type: fc.constant('FundingDisbursed' as const), data: fc.record({ donor: party, amount: positiveAmount, currency }) }),
  fc.record({ type: fc.constant('SupportDeclared' as const), data: fc.record({ supporter: party }) }),
);

/**
 * A log of 1-3 missions' streams, interleaved in position order: each stream keeps only the
 * events the write side accepts (decide), so the log is one the API could have written.
 */
const log: fc.Arbitrary<RecordedEvent[]> = fc
  .array(fc.record({ mission: fc.constantFrom('mss-a', 'mss-b', 'mss-c'), event: laterEvent, occurredAt }), { maxLength: 120, size: 'large' })
  .map((candidates) => {
    const streams = new Map<string, ReturnType<typeof decide>>();
    const events: RecordedEvent[] = [];
    const record = (missionId: string, event: DomainEvent, at: string) => {
      const state = streams.get(missionId) ?? initialState();
      try {
        streams.set(missionId, decide(state, [event]));
      } catch {
        return; // a rule of the write side refused it: the API would have answered 4xx
      }
      events.push({ ...event, missionId, version: state.version + 1, position: events.length + 1, occurredAt: at } as RecordedEvent);
    };
    for (const { mission, event, occurredAt: at } of candidates) {
      if (!streams.has(mission)) record(mission, { type: 'MissionEstablished', data: { name: `Mission ${mission}`, hostCountry: 'HTI' } }, at);
      record(mission, event, at);
    }
    return events;
  });

/** Where to cut the log into batches (any sizes, empty ones included). */
const cuts = fc.array(fc.nat({ max: 250 }), { maxLength: 12 });

function batches<T>(items: T[], at: number[]): T[][] {
  const points = [...new Set(at.map((n) => Math.min(n, items.length)))].sort((a, b) => a - b);
  const result: T[][] = [];
  let start = 0;
  for (const point of [...points, items.length]) {
    result.push(items.slice(start, point));
    start = point;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The read models, folded whole or the way the worker folds them
// ---------------------------------------------------------------------------------------------

interface Model<S> {
  initial: () => S;
  evolve: (state: S, event: RecordedEvent) => S;
  /** What writing the state to its table and reading it back gives (see libs/projections). */
  stored: (state: S) => S;
}

/** numeric(60,4) reads back padded ("5.7000"); the worker normalises it again. */
function throughNumeric(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  return formatAmount(parseAmount(`${whole}.${fraction.padEnd(4, '0')}`));
}

const MODELS = {
  personnel: {
    initial: emptyPersonnel,
    evolve: evolvePersonnel,
    stored: (state: PersonnelState) => JSON.parse(JSON.stringify(state)),
  } satisfies Model<PersonnelState>,
  funding: {
    initial: emptyFunding,
    evolve: evolveFunding,
    stored: (state: FundingState) => ({
      byDonor: Object.fromEntries(
        Object.entries(state.byDonor).map(([key, d]) => [key, { ...d, pledged: throughNumeric(d.pledged), committed: throughNumeric(d.committed), disbursed: throughNumeric(d.disbursed) }]),
      ),
    }),
  } satisfies Model<FundingState>,
  missions: {
    initial: emptyMission,
    evolve: evolveMission,
    stored: (state: MissionState) => JSON.parse(JSON.stringify(state)),
  } satisfies Model<MissionState>,
};

/** Per mission, the fold of its events in log order. */
function foldWhole<S>(model: Model<S>, events: RecordedEvent[]): Map<string, S> {
  const states = new Map<string, S>();
  for (const event of events) states.set(event.missionId, model.evolve(states.get(event.missionId) ?? model.initial(), event));
  return states;
}

/** As the worker does: each batch starts from the stored states of the missions it touches. */
function foldInBatches<S>(model: Model<S>, events: RecordedEvent[], at: number[]): Map<string, S> {
  let stored = new Map<string, S>();
  for (const batch of batches(events, at)) {
    const working = new Map<string, S>();
    for (const event of batch) {
      const state = working.get(event.missionId) ?? stored.get(event.missionId) ?? model.initial();
      working.set(event.missionId, model.evolve(state, event));
    }
    stored = new Map([...stored, ...[...working].map(([id, state]) => [id, model.stored(state)] as [string, S])]);
  }
  return stored;
}

describe('folds (property-based)', () => {
  it('the generated logs are valid: every event passes validation and the write side', () => {
    fc.assert(
      fc.property(log, (events) => {
        for (const event of events) {
          const result = validateEvent({ type: event.type, occurredAt: event.occurredAt, data: event.data });
          if (!result.ok) throw new Error(`${JSON.stringify(event)}: ${JSON.stringify(result.errors)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('the generated logs are not trivial: long, several missions, withdrawals and revisions', () => {
    const logs = fc.sample(log, { numRuns: 200, seed: 7 });
    const all = logs.flat();
    expect(all.length / logs.length).toBeGreaterThan(30);
    expect(logs.filter((events) => new Set(events.map((e) => e.missionId)).size > 1).length).toBeGreaterThan(100);
    for (const type of ['PersonnelWithdrawn', 'PledgeRevised', 'FundingPledgeRevised', 'ContingentArrived']) {
      expect(all.filter((event) => event.type === type).length).toBeGreaterThan(50);
    }
  });

  const batchingChangesNothing = <S>(model: Model<S>) =>
    fc.property(log, cuts, (events, at) => {
      const whole = new Map([...foldWhole(model, events)].map(([id, state]) => [id, model.stored(state)]));
      expect(foldInBatches(model, events, at)).toEqual(whole);
    });

  it('personnel: folding in batches of any size equals folding the whole log', () => {
    fc.assert(batchingChangesNothing(MODELS.personnel), { numRuns: RUNS });
  });

  it('funding: folding in batches of any size equals folding the whole log', () => {
    fc.assert(batchingChangesNothing(MODELS.funding), { numRuns: RUNS });
  });

  it('missions: folding in batches of any size equals folding the whole log', () => {
    fc.assert(batchingChangesNothing(MODELS.missions), { numRuns: RUNS });
  });

  it('write model: its own counters are the ones the personnel read model shows, so the limit it checks bounds what is stored', () => {
    fc.assert(
      fc.property(log, (events) => {
        const write = foldWhole({ initial: initialState, evolve, stored: (s) => s }, events);
        for (const [missionId, personnel] of foldWhole(MODELS.personnel, events)) {
          expect(write.get(missionId)!.byCountry).toEqual(personnel.byCountry);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('timeline: items do not depend on how the log is batched (one item per event, from the event alone)', () => {
    fc.assert(
      fc.property(log, cuts, (events, at) => {
        expect(batches(events, at).flat().map(timelineItem)).toEqual(events.map(timelineItem));
      }),
      { numRuns: RUNS },
    );
  });

  it('asOf at the far future (the last instant accepted) equals the live model', () => {
    const farFuture = endOfDay('9999-12-31')!;
    fc.assert(
      fc.property(log, (events) => {
        const asOf = events.filter((event) => new Date(event.occurredAt) <= farFuture);
        expect(foldWhole(MODELS.personnel, asOf)).toEqual(foldWhole(MODELS.personnel, events));
        expect(foldWhole(MODELS.funding, asOf)).toEqual(foldWhole(MODELS.funding, events));
      }),
      { numRuns: RUNS },
    );
  });

  it('asOf at any instant counts exactly the events that occurred by then, in log order, however late they were posted', () => {
    fc.assert(
      fc.property(log, occurredAt, (events, instant) => {
        const asOf = new Date(instant);
        const replayed = foldWhole(MODELS.personnel, events.filter((event) => new Date(event.occurredAt) <= asOf));
        for (const [missionId, state] of replayed) {
          // Recount from scratch: every deployment and withdrawal of the mission up to asOf.
          const counted = events.filter((e) => e.missionId === missionId && new Date(e.occurredAt) <= asOf);
          const sum = (type: string) => counted.filter((e) => e.type === type).reduce((n, e) => n + (e.data as { personnel: number }).personnel, 0);
          expect(personnelTotals(state).deployed).toBe(sum('ContingentArrived') - sum('PersonnelWithdrawn'));
          expect(personnelTotals(state).withdrawn).toBe(sum('PersonnelWithdrawn'));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('funding sums are exactly the BigInt sums of the amounts, per donor and per currency', () => {
    fc.assert(
      fc.property(log, (events) => {
        for (const [missionId, state] of foldWhole(MODELS.funding, events)) {
          // An independent model: plain BigInt arithmetic on the decimal strings' digits.
          const expected = new Map<string, { pledged: bigint; committed: bigint; disbursed: bigint }>();
          for (const event of events) {
            if (event.missionId !== missionId || !('amount' in event.data)) continue;
            const { donor, currency: code, amount } = event.data as { donor: string; currency: string; amount: string };
            const [whole, fraction = ''] = amount.split('.');
            const units = BigInt(whole + fraction.padEnd(4, '0'));
            const sums = expected.get(`${donor}/${code}`) ?? { pledged: 0n, committed: 0n, disbursed: 0n };
            if (event.type === 'FundingPledged') sums.pledged += units;
            if (event.type === 'FundingPledgeRevised') sums.pledged = units;
            if (event.type === 'FundingCommitted') sums.committed += units;
            if (event.type === 'FundingDisbursed') sums.disbursed += units;
            expected.set(`${donor}/${code}`, sums);
          }
          const donors = fundingByDonor(state);
          expect(new Map(donors.map((d) => [`${d.donor}/${d.currency}`, { pledged: parseAmount(d.pledged), committed: parseAmount(d.committed), disbursed: parseAmount(d.disbursed) }]))).toEqual(expected);
          for (const total of fundingByCurrency(donors)) {
            const ofCurrency = [...expected].filter(([key]) => key.endsWith(`/${total.currency}`)).map(([, sums]) => sums);
            expect(parseAmount(total.pledged)).toBe(ofCurrency.reduce((sum, s) => sum + s.pledged, 0n));
            expect(parseAmount(total.disbursed)).toBe(ofCurrency.reduce((sum, s) => sum + s.disbursed, 0n));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
