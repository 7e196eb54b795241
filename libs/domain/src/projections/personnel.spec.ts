// Unit specs for the personnel fold (CONTRACT section 3, "effect on read models").
import { DomainEvent } from '../catalogue';
import {
  CountryPersonnel,
  emptyCountryPersonnel,
  emptyPersonnel,
  evolveCountryPersonnel,
  evolvePersonnel,
  PERSONNEL_EVENT_TYPES,
  PersonnelState,
  personnelTotals,
} from './personnel';

const required = (n: number): DomainEvent => ({ type: 'PersonnelRequirementSet', data: { required: n } });
const pledged = (country: string, personnel: number): DomainEvent => ({ type: 'PersonnelPledged', data: { country, personnel } });
const revised = (country: string, personnel: number): DomainEvent => ({ type: 'PledgeRevised', data: { country, personnel } });
const departed = (country: string, personnel: number): DomainEvent => ({ type: 'ContingentDeparted', data: { country, personnel } });
const arrived = (country: string, personnel: number): DomainEvent => ({ type: 'ContingentArrived', data: { country, personnel } });
const withdrawn = (country: string, personnel: number): DomainEvent => ({ type: 'PersonnelWithdrawn', data: { country, personnel } });

const fold = (events: DomainEvent[], from: PersonnelState = emptyPersonnel()): PersonnelState => events.reduce(evolvePersonnel, from);
const counters = (values: Partial<CountryPersonnel>): CountryPersonnel => ({ ...emptyCountryPersonnel(), ...values });

describe('personnel fold', () => {
  it('starts at zero everywhere', () => {
    expect(emptyPersonnel()).toEqual({ required: 0, byCountry: {} });
    expect(emptyCountryPersonnel()).toEqual({ pledged: 0, departed: 0, inTransit: 0, deployed: 0, withdrawn: 0 });
    expect(personnelTotals(emptyPersonnel())).toEqual({ required: 0, pledged: 0, departed: 0, inTransit: 0, deployed: 0, withdrawn: 0 });
  });

  it('lists the event types that affect personnel', () => {
    expect([...PERSONNEL_EVENT_TYPES].sort()).toEqual(
      ['ContingentArrived', 'ContingentDeparted', 'PersonnelPledged', 'PersonnelRequirementSet', 'PersonnelWithdrawn', 'PledgeRevised'].sort(),
    );
  });

  describe('PersonnelRequirementSet', () => {
    it('sets required (it does not add)', () => {
      // given a requirement of 5000
      // when it is set again to 2500
      // then required is 2500
      expect(fold([required(5000)]).required).toBe(5000);
      expect(fold([required(5000), required(2500)]).required).toBe(2500);
      expect(fold([required(5000), required(0)]).required).toBe(0);
    });

    it('does not touch the countries', () => {
      const state = fold([pledged('KEN', 1000), required(5000)]);
      expect(state.byCountry).toEqual({ KEN: counters({ pledged: 1000 }) });
    });
  });

  describe('PersonnelPledged and PledgeRevised', () => {
    it('adds pledges of a country', () => {
      expect(fold([pledged('KEN', 1000), pledged('KEN', 200)]).byCountry.KEN).toEqual(counters({ pledged: 1200 }));
    });

    it('sets the pledge on revision', () => {
      // given KEN pledged 1000 then 200
      // when the pledge is revised to 800, then another 50 is pledged
      const state = fold([pledged('KEN', 1000), pledged('KEN', 200), revised('KEN', 800), pledged('KEN', 50)]);
      // then the pledge is 850
      expect(state.byCountry.KEN.pledged).toBe(850);
    });

    it('withdraws the pledge when revised to 0', () => {
      expect(fold([pledged('KEN', 1000), revised('KEN', 0)]).byCountry.KEN).toEqual(counters({ pledged: 0 }));
    });

    it('sets a pledge for a country that had none', () => {
      expect(fold([revised('BHS', 150)]).byCountry).toEqual({ BHS: counters({ pledged: 150 }) });
    });

    it('does not touch other counters', () => {
      const state = fold([departed('KEN', 400), arrived('KEN', 100), revised('KEN', 7)]);
      expect(state.byCountry.KEN).toEqual({ pledged: 7, departed: 400, inTransit: 300, deployed: 100, withdrawn: 0 });
    });
  });

  describe('ContingentDeparted', () => {
    it('adds to departed and to in transit', () => {
      expect(fold([departed('KEN', 400), departed('KEN', 200)]).byCountry.KEN).toEqual(counters({ departed: 600, inTransit: 600 }));
    });
  });

  describe('ContingentArrived', () => {
    it('moves personnel from in transit to deployed', () => {
      // given 400 departed (in transit)
      // when 400 arrive
      const state = fold([departed('KEN', 400), arrived('KEN', 400)]);
      // then they are deployed, no longer in transit, and still counted once as departed
      expect(state.byCountry.KEN).toEqual(counters({ departed: 400, inTransit: 0, deployed: 400 }));
    });

    it('leaves the rest in transit when fewer arrive than departed', () => {
      expect(fold([departed('KEN', 400), arrived('KEN', 150)]).byCountry.KEN).toEqual(
        counters({ departed: 400, inTransit: 250, deployed: 150 }),
      );
    });

    it('counts arrivals beyond those in transit as departed too', () => {
      // given 400 departed
      // when 500 arrive
      const state = fold([departed('KEN', 400), arrived('KEN', 500)]);
      // then inTransit drops by min(500, 400); the other 100 count as departed
      expect(state.byCountry.KEN).toEqual(counters({ departed: 500, inTransit: 0, deployed: 500 }));
    });

    it('counts an arrival with no recorded departure as departed', () => {
      expect(fold([arrived('JAM', 24)]).byCountry.JAM).toEqual(counters({ departed: 24, inTransit: 0, deployed: 24 }));
    });

    it('never makes in transit negative over several arrivals', () => {
      const state = fold([departed('KEN', 10), arrived('KEN', 6), arrived('KEN', 6), departed('KEN', 3), arrived('KEN', 1)]);
      expect(state.byCountry.KEN).toEqual(counters({ departed: 15, inTransit: 2, deployed: 13 }));
    });

    it('keeps departed = inTransit + deployed + withdrawn', () => {
      const state = fold([departed('KEN', 400), arrived('KEN', 500), withdrawn('KEN', 50), departed('KEN', 30), arrived('KEN', 10)]);
      const ken = state.byCountry.KEN;
      expect(ken).toEqual(counters({ departed: 530, inTransit: 20, deployed: 460, withdrawn: 50 }));
      expect(ken.inTransit + ken.deployed + ken.withdrawn).toBe(ken.departed);
    });
  });

  describe('PersonnelWithdrawn', () => {
    it('moves personnel from deployed to withdrawn', () => {
      const state = fold([arrived('KEN', 400), withdrawn('KEN', 150)]);
      expect(state.byCountry.KEN).toEqual(counters({ departed: 400, deployed: 250, withdrawn: 150 }));
    });
  });

  describe('other events', () => {
    it.each<DomainEvent>([
      { type: 'MissionEstablished', data: { name: 'MSS', hostCountry: 'HTI', leadNation: 'KEN' } },
      { type: 'FarewellHeld', data: { country: 'KEN', personnel: 400 } },
      { type: 'FundingPledged', data: { donor: 'USA', amount: '300000000', currency: 'USD' } },
      { type: 'FundingPledgeRevised', data: { donor: 'USA', amount: '0', currency: 'USD' } },
      { type: 'FundingCommitted', data: { donor: 'USA', amount: '1', currency: 'USD' } },
      { type: 'FundingDisbursed', data: { donor: 'USA', amount: '1', currency: 'USD' } },
      { type: 'SupportDeclared', data: { supporter: 'USA' } },
    ])('$type leaves personnel unchanged', (event) => {
      // given some personnel state
      const state = fold([required(5000), pledged('KEN', 1000), departed('KEN', 400)]);
      // when an event without a personnel effect is folded
      // then the state is the same object (FarewellHeld's 400 is timeline only)
      expect(evolvePersonnel(state, event)).toBe(state);
    });
  });

  describe('countries', () => {
    it('keeps each country apart', () => {
      const state = fold([pledged('KEN', 1000), pledged('BHS', 150), departed('KEN', 400), arrived('BHS', 150), revised('JAM', 200)]);
      expect(state.byCountry).toEqual({
        KEN: counters({ pledged: 1000, departed: 400, inTransit: 400 }),
        BHS: counters({ pledged: 150, departed: 150, deployed: 150 }),
        JAM: counters({ pledged: 200 }),
      });
    });
  });

  describe('purity', () => {
    it('returns new objects and leaves the given state unchanged', () => {
      const state = Object.freeze(fold([required(10), pledged('KEN', 5)]));
      Object.freeze(state.byCountry);
      Object.freeze(state.byCountry.KEN);
      const next = evolvePersonnel(state, departed('KEN', 3));
      expect(state).toEqual({ required: 10, byCountry: { KEN: counters({ pledged: 5 }) } });
      expect(next.byCountry.KEN).toEqual(counters({ pledged: 5, departed: 3, inTransit: 3 }));
      expect(next).not.toBe(state);
    });

    it('evolveCountryPersonnel returns a new object', () => {
      const current = Object.freeze(counters({ departed: 10, inTransit: 10 }));
      const next = evolveCountryPersonnel(current, arrived('KEN', 4));
      expect(next).toEqual(counters({ departed: 10, inTransit: 6, deployed: 4 }));
      expect(current).toEqual(counters({ departed: 10, inTransit: 10 }));
    });
  });
});

describe('personnelTotals', () => {
  it('sums every country and carries required', () => {
    // given three countries at different stages
    const state = fold([
      required(5000),
      pledged('KEN', 1000),
      pledged('BHS', 150),
      pledged('JAM', 200),
      departed('KEN', 400),
      arrived('KEN', 300),
      arrived('BHS', 150),
      withdrawn('BHS', 20),
      departed('JAM', 24),
    ]);
    // when totalled
    const totals = personnelTotals(state);
    // then each counter is the sum over the countries
    expect(totals).toEqual({ required: 5000, pledged: 1350, departed: 574, inTransit: 124, deployed: 430, withdrawn: 20 });
  });

  it('gives the demo mission totals of the contract (section 9)', () => {
    const state = fold([required(5000), pledged('KEN', 1000), departed('KEN', 400)]);
    expect(personnelTotals(state)).toEqual({ required: 5000, pledged: 1000, departed: 400, inTransit: 400, deployed: 0, withdrawn: 0 });
  });

  it('is required alone when no country has events', () => {
    expect(personnelTotals(fold([required(5000)]))).toEqual({ required: 5000, pledged: 0, departed: 0, inTransit: 0, deployed: 0, withdrawn: 0 });
  });
});
