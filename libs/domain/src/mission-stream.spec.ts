// Unit specs for the write model of a mission stream: its rules (`decide`) and its own state (`evolve`).
import { DomainEvent } from './catalogue';
import { checkPredecessors, decide, DomainError, evolve, initialState, MAX_COUNTRY_PERSONNEL, MissionStreamState, streamStateOf } from './mission-stream';

const established: DomainEvent = { type: 'MissionEstablished', data: { name: 'MSS Haiti', hostCountry: 'HTI', leadNation: 'KEN' } };
const required = (n: number): DomainEvent => ({ type: 'PersonnelRequirementSet', data: { required: n } });
const pledged = (country: string, personnel: number): DomainEvent => ({ type: 'PersonnelPledged', data: { country, personnel } });
const departed = (country: string, personnel: number): DomainEvent => ({ type: 'ContingentDeparted', data: { country, personnel } });
const arrived = (country: string, personnel: number): DomainEvent => ({ type: 'ContingentArrived', data: { country, personnel } });
const withdrawn = (country: string, personnel: number): DomainEvent => ({ type: 'PersonnelWithdrawn', data: { country, personnel } });
const support = (supporter: string): DomainEvent => ({ type: 'SupportDeclared', data: { supporter } });

/** Runs `decide` expecting a DomainError, and returns it. */
function rejection(state: MissionStreamState, events: DomainEvent[]): DomainError {
  try {
    decide(state, events);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected decide to throw a DomainError');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** A mission with 10 Kenyan personnel deployed and 5 in transit, at version 4. */
function missionWithDeployed(): MissionStreamState {
  return decide(initialState(), [established, departed('KEN', 15), arrived('KEN', 10), pledged('USA', 5)]);
}

describe('decide', () => {
  describe('a new stream', () => {
    it("starts at version 0 with no country counted", () => {
      expect(initialState()).toEqual({ version: 0, byCountry: {}, units: {} });
    });

    it('accepts MissionEstablished as version 1', () => {
      // given a stream that does not exist yet
      // when MissionEstablished is decided
      const state = decide(initialState(), [established]);
      // then the stream is at version 1, with nothing counted yet
      expect(state).toEqual({ version: 1, byCountry: {}, units: {} });
    });

    it.each<DomainEvent>([required(5000), pledged('KEN', 1000), support('USA'), departed('KEN', 400)])(
      'rejects $type as version 1 with mission-not-found',
      (first) => {
        // given a stream that does not exist yet
        // when the first event is not MissionEstablished
        const error = rejection(initialState(), [first, established]);
        // then the mission is reported as not found, pointing at the first event's type
        expect(error.code).toBe('mission-not-found');
        expect(error.details).toEqual({ path: 'events[0].type' });
        expect(error.message).toBe('the mission does not exist; its first event must be MissionEstablished');
      },
    );

    it('accepts a whole founding batch and counts its versions', () => {
      const state = decide(initialState(), [established, required(5000), pledged('KEN', 1000), support('USA'), departed('KEN', 400)]);
      expect(state.version).toBe(5);
      expect(state.byCountry).toEqual({ KEN: { pledged: 1000, departed: 400, inTransit: 400, deployed: 0, withdrawn: 0 } });
    });
  });

  describe('MissionEstablished after version 1', () => {
    it('is rejected on an existing stream with mission-already-established', () => {
      // given an existing mission at version 4
      const state = missionWithDeployed();
      // when another MissionEstablished is decided after a valid event
      const error = rejection(state, [support('CAN'), established]);
      // then it is rejected, naming the event and the stream's current version
      expect(error.code).toBe('mission-already-established');
      expect(error.details).toEqual({ path: 'events[1].type', currentVersion: 4 });
      expect(error.message).toBe('MissionEstablished is only valid as version 1; it would be version 6');
    });

    it('is rejected as the second event of a founding batch', () => {
      const error = rejection(initialState(), [established, established]);
      expect(error.code).toBe('mission-already-established');
      expect(error.details).toEqual({ path: 'events[1].type', currentVersion: 0 });
    });
  });

  describe('withdrawals', () => {
    it('accepts withdrawing up to the deployed personnel', () => {
      // given 10 KEN deployed
      const state = missionWithDeployed();
      // when all 10 are withdrawn
      const next = decide(state, [withdrawn('KEN', 10)]);
      // then none is left deployed and 10 are counted as withdrawn
      expect(next.version).toBe(5);
      expect(next.byCountry.KEN).toEqual({ pledged: 0, departed: 15, inTransit: 5, deployed: 0, withdrawn: 10 });
    });

    it('rejects withdrawing more than deployed (personnel in transit do not count)', () => {
      // given 10 KEN deployed and 5 in transit
      const state = missionWithDeployed();
      // when 11 are withdrawn
      const error = rejection(state, [withdrawn('KEN', 11)]);
      // then the withdrawal exceeds what is deployed
      expect(error.code).toBe('withdrawal-exceeds-deployed');
      expect(error.details).toEqual({ path: 'events[0].data.personnel' });
      expect(error.message).toBe('cannot withdraw 11 personnel of KEN: only 10 deployed');
    });

    it("checks the withdrawing country's own deployed personnel", () => {
      // given KEN has 10 deployed and USA none
      const state = missionWithDeployed();
      // when USA withdraws 1
      const error = rejection(state, [withdrawn('USA', 1)]);
      // then it is rejected: USA has nobody deployed
      expect(error.code).toBe('withdrawal-exceeds-deployed');
      expect(error.message).toBe('cannot withdraw 1 personnel of USA: only 0 deployed');
    });

    it('rejects a withdrawal for a country never seen', () => {
      const error = rejection(decide(initialState(), [established]), [withdrawn('JAM', 1)]);
      expect(error.code).toBe('withdrawal-exceeds-deployed');
      expect(error.message).toBe('cannot withdraw 1 personnel of JAM: only 0 deployed');
    });

    it('counts arrivals earlier in the same batch: arrive 10 then withdraw 10 succeeds', () => {
      // given a mission with no one deployed
      const state = decide(initialState(), [established]);
      // when one batch has 10 arrive and then 10 withdraw
      const next = decide(state, [arrived('KEN', 10), withdrawn('KEN', 10)]);
      // then it is accepted
      expect(next.version).toBe(3);
      expect(next.byCountry.KEN).toEqual({ pledged: 0, departed: 10, inTransit: 0, deployed: 0, withdrawn: 10 });
    });

    it('counts arrivals earlier in the same batch: arrive 10 then withdraw 11 fails at the withdrawal', () => {
      const state = decide(initialState(), [established]);
      const error = rejection(state, [support('USA'), arrived('KEN', 10), withdrawn('KEN', 11)]);
      expect(error.code).toBe('withdrawal-exceeds-deployed');
      expect(error.details).toEqual({ path: 'events[2].data.personnel' });
      expect(error.message).toBe('cannot withdraw 11 personnel of KEN: only 10 deployed');
    });

    it('counts earlier withdrawals of the same batch', () => {
      // given 10 KEN deployed
      const state = missionWithDeployed();
      // when 6 then 5 are withdrawn in one batch
      const error = rejection(state, [withdrawn('KEN', 6), withdrawn('KEN', 5)]);
      // then the second exceeds the 4 left
      expect(error.details).toEqual({ path: 'events[1].data.personnel' });
      expect(error.message).toBe('cannot withdraw 5 personnel of KEN: only 4 deployed');
    });

    it('does not count an arrival that comes after the withdrawal in the batch', () => {
      const state = decide(initialState(), [established]);
      const error = rejection(state, [withdrawn('KEN', 10), arrived('KEN', 10)]);
      expect(error.code).toBe('withdrawal-exceeds-deployed');
      expect(error.details).toEqual({ path: 'events[0].data.personnel' });
    });
  });

  describe('limits on totals', () => {
    const tenMillion = 10_000_000;

    it('accepts a country counter up to the limit', () => {
      // given a mission where KEN has pledged 99 x 10M
      const state = decide(initialState(), [established, ...Array.from({ length: 99 }, () => pledged('KEN', tenMillion))]);
      // when one more 10M pledge brings KEN to exactly the limit
      const next = decide(state, [pledged('KEN', tenMillion)]);
      // then it is accepted
      expect(next.byCountry.KEN.pledged).toBe(MAX_COUNTRY_PERSONNEL);
    });

    it('rejects the event that would take a country counter past the limit, pointing at it', () => {
      // given KEN at the limit of pledges (the audit's 215 x 10M pledges overflowed 32-bit columns)
      const state = decide(initialState(), [established, ...Array.from({ length: 100 }, () => pledged('KEN', tenMillion))]);
      // when one more person is pledged in a batch
      const error = rejection(state, [support('USA'), pledged('KEN', 1)]);
      // then the batch is refused with a precise reason
      expect(error.code).toBe('personnel-limit-exceeded');
      expect(error.details).toEqual({ path: 'events[1].data.personnel' });
      expect(error.message).toBe("this would bring KEN's pledged personnel to 1,000,000,001; at most 1,000,000,000 per country and mission");
    });

    it('bounds departures and the personnel in transit too', () => {
      const state = decide(initialState(), [established, ...Array.from({ length: 100 }, () => departed('CAN', tenMillion))]);
      const error = rejection(state, [departed('CAN', 5)]);
      expect(error.message).toContain("CAN's departed personnel");
    });

    it('leaves other countries unaffected by one country at the limit', () => {
      const state = decide(initialState(), [established, ...Array.from({ length: 100 }, () => pledged('KEN', tenMillion))]);
      expect(decide(state, [pledged('USA', tenMillion)]).byCountry.USA.pledged).toBe(tenMillion);
    });
  });

  describe('versions', () => {
    it('increments the version once per event', () => {
      // given a stream at version 4
      const state = missionWithDeployed();
      expect(state.version).toBe(4);
      // when three events are decided
      // then it is at version 7
      expect(decide(state, [support('CAN'), required(5000), pledged('KEN', 1000)]).version).toBe(7);
    });

    it('leaves the version unchanged for an empty batch', () => {
      const state = missionWithDeployed();
      expect(decide(state, [])).toEqual(state);
    });

    it('continues from the version it is given', () => {
      const state: MissionStreamState = { version: 41, byCountry: {}, units: {} };
      expect(decide(state, [support('USA'), support('CAN')]).version).toBe(43);
    });
  });

  describe('purity', () => {
    it('does not mutate the state it is given, when it accepts', () => {
      // given a frozen state and a snapshot of it
      const state = deepFreeze(missionWithDeployed());
      const before = structuredClone(state);
      // when a batch touching every counter is decided
      const next = decide(state, [required(5000), pledged('KEN', 1), departed('KEN', 3), arrived('KEN', 4), withdrawn('KEN', 2)]);
      // then the given state is unchanged and a new state is returned
      expect(state).toEqual(before);
      expect(next).not.toBe(state);
      expect(next.byCountry.KEN).toEqual({ pledged: 1, departed: 18, inTransit: 4, deployed: 12, withdrawn: 2 });
    });

    it('does not mutate the state it is given, when it rejects', () => {
      const state = deepFreeze(missionWithDeployed());
      const before = structuredClone(state);
      rejection(state, [arrived('KEN', 100), withdrawn('KEN', 1000)]);
      expect(state).toEqual(before);
    });

    it('hands out a fresh initial state each time', () => {
      const first = initialState();
      decide(first, [established, pledged('KEN', 1000), required(5000)]);
      expect(first).toEqual({ version: 0, byCountry: {}, units: {} });
      expect(initialState()).not.toBe(first);
    });
  });
});

describe('outcome indicators: one unit per indicator within a mission', () => {
  const indicator = (name: string, unit: string, periodStart = '2024-01-01'): DomainEvent => ({
    type: 'IndicatorRecorded',
    data: { indicator: name, value: '12', unit, periodStart, periodEnd: '2024-03-31' },
  });

  it('keeps the unit of the first point and accepts more points in it', () => {
    const state = decide(initialState(), [established, indicator('homicides', 'people'), indicator('homicides', 'people', '2024-02-01'), indicator('displaced-people', 'households')]);
    expect(state.units).toEqual({ homicides: 'people', 'displaced-people': 'households' });
  });

  it('refuses another unit with indicator-unit-conflict, naming the field and both units', () => {
    const state = decide(initialState(), [established, indicator('homicides', 'people')]);
    const error = rejection(state, [indicator('homicides', 'per 100,000 people')]);
    expect(error.code).toBe('indicator-unit-conflict');
    expect(error.details.path).toBe('events[0].data.unit');
    expect(error.message).toBe('indicator "homicides" is recorded in "people" in this mission; it cannot also be recorded in "per 100,000 people" (one unit per indicator)');
  });

  it('frees the unit when the only point in it is retracted (the effective stream decides)', () => {
    const log = [
      { id: 'e1', ...established },
      { id: 'e2', ...indicator('homicides', 'people') },
    ];
    const retracted = decide(streamStateOf(log), [{ type: 'EventRetracted', data: { eventId: 'e2', reason: 'wrong unit' } }], log);
    expect(retracted.units).toEqual({});
    expect(decide(retracted, [indicator('homicides', 'per 100,000 people')]).units).toEqual({ homicides: 'per 100,000 people' });
  });

  it('refuses a correction that would put two units on one indicator (correction-conflict)', () => {
    const log = [
      { id: 'e1', ...established },
      { id: 'e2', ...indicator('homicides', 'people') },
      { id: 'e3', ...indicator('homicides', 'people', '2024-04-01') },
    ];
    const error = (() => {
      try {
        decide(streamStateOf(log), [{ type: 'EventCorrected', data: { eventId: 'e2', data: { indicator: 'homicides', value: '1', unit: 'cases', periodStart: '2024-01-01', periodEnd: '2024-03-31' }, reason: 'unit' } }], log);
      } catch (e) {
        return e as DomainError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.code).toBe('correction-conflict');
    expect(error.message).toMatch(/would make event #3 \(IndicatorRecorded\) break a rule: indicator "homicides" is recorded in "cases"/);
  });
});

describe('succession: a predecessor must exist', () => {
  const succeeding = (predecessor: string): DomainEvent => ({ type: 'MissionEstablished', data: { name: 'GSF', hostCountry: 'HTI', predecessor } });

  it('accepts a mission that exists', () => {
    expect(() => checkPredecessors('gsf-haiti', [succeeding('mss-haiti')], (id) => id === 'mss-haiti')).not.toThrow();
  });

  it('refuses one that does not, or the mission itself, with predecessor-not-found naming the field', () => {
    for (const [predecessor, message] of [
      ['mss-nowhere', 'there is no mission "mss-nowhere" for "gsf-haiti" to succeed; establish it first'],
      ['gsf-haiti', 'a mission cannot succeed itself ("gsf-haiti")'],
    ]) {
      try {
        checkPredecessors('gsf-haiti', [succeeding(predecessor)], () => false);
        throw new Error('expected a refusal');
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect({ code: (error as DomainError).code, message: (error as DomainError).message, path: (error as DomainError).details.path }).toEqual({
          code: 'predecessor-not-found',
          message,
          path: 'events[0].data.predecessor',
        });
      }
    }
  });
});

describe('evolve (the write model’s own state)', () => {
  const farewell: DomainEvent = { type: 'FarewellHeld', data: { country: 'KEN', personnel: 100 } };

  it('counts every event as one version, whether or not it changes a counter', () => {
    // given a new stream
    // when events that count nothing are folded
    const state = [established, required(5000), support('USA'), farewell].reduce(evolve, initialState());
    // then only the version moved: the requirement and farewells are no rule's business
    expect(state).toEqual({ version: 4, byCountry: {}, units: {} });
  });

  it('keeps the five counters per country the limit checks', () => {
    // given departures, arrivals beyond them, a revision and a withdrawal
    const events = [established, pledged('KEN', 700), departed('KEN', 300), arrived('KEN', 500), { type: 'PledgeRevised', data: { country: 'KEN', personnel: 600 } } as DomainEvent, withdrawn('KEN', 100)];
    // when they are folded
    const state = events.reduce(evolve, initialState());
    // then arrivals used up the 300 in transit and counted the other 200 as departed
    expect(state.byCountry).toEqual({ KEN: { pledged: 600, departed: 500, inTransit: 0, deployed: 400, withdrawn: 100 } });
  });

  it('is the fold decide applies: deciding a batch equals folding it', () => {
    const events = [established, pledged('KEN', 10), departed('KEN', 8), arrived('KEN', 8), withdrawn('KEN', 3), support('CAN')];
    expect(decide(initialState(), events)).toEqual(events.reduce(evolve, initialState()));
  });

  it('decides from the counters it is given, whatever produced them', () => {
    // given a state that says KEN has 3 deployed (as recomputed from a log)
    const state: MissionStreamState = { version: 9, byCountry: { KEN: { pledged: 0, departed: 3, inTransit: 0, deployed: 3, withdrawn: 0 } }, units: {} };
    // then withdrawing 3 is allowed and 4 is not
    expect(decide(state, [withdrawn('KEN', 3)]).byCountry.KEN.deployed).toBe(0);
    expect(rejection(state, [withdrawn('KEN', 4)]).message).toBe('cannot withdraw 4 personnel of KEN: only 3 deployed');
  });
});
