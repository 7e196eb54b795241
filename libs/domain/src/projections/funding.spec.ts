// Unit specs for the funding fold (CONTRACT section 3, "effect on read models").
import { DomainEvent } from '../catalogue';
import { donorKey, emptyFunding, evolveFunding, FUNDING_EVENT_TYPES, fundingByCurrency, fundingByDonor, FundingState } from './funding';

const pledged = (donor: string, amount: string, currency = 'USD'): DomainEvent => ({ type: 'FundingPledged', data: { donor, amount, currency } });
const revised = (donor: string, amount: string, currency = 'USD'): DomainEvent => ({ type: 'FundingPledgeRevised', data: { donor, amount, currency } });
const committed = (donor: string, amount: string, currency = 'USD'): DomainEvent => ({ type: 'FundingCommitted', data: { donor, amount, currency } });
const disbursed = (donor: string, amount: string, currency = 'USD'): DomainEvent => ({ type: 'FundingDisbursed', data: { donor, amount, currency } });

const fold = (events: DomainEvent[], from: FundingState = emptyFunding()): FundingState => events.reduce(evolveFunding, from);
const donor = (state: FundingState, name: string, currency = 'USD') => state.byDonor[donorKey(name, currency)];

describe('funding fold', () => {
  it('starts with no donors', () => {
    expect(emptyFunding()).toEqual({ byDonor: {} });
    expect(fundingByDonor(emptyFunding())).toEqual([]);
    expect(fundingByCurrency([])).toEqual([]);
  });

  it('lists the event types that affect funding', () => {
    expect([...FUNDING_EVENT_TYPES].sort()).toEqual(['FundingCommitted', 'FundingDisbursed', 'FundingPledgeRevised', 'FundingPledged']);
  });

  describe('FundingPledged', () => {
    it('adds pledges of a donor, exactly', () => {
      // given USA pledged 300000000
      // when it pledges another 0.0001
      const state = fold([pledged('USA', '300000000'), pledged('USA', '0.0001')]);
      // then the pledge is the exact sum, and nothing was committed or disbursed
      expect(donor(state, 'USA')).toEqual({ donor: 'USA', currency: 'USD', pledged: '300000000.0001', committed: '0', disbursed: '0' });
    });

    it('adds beyond the range of a double without rounding', () => {
      const state = fold([pledged('USA', '9007199254740993'), pledged('USA', '9007199254740993.5')]);
      expect(donor(state, 'USA').pledged).toBe('18014398509481986.5');
    });
  });

  describe('FundingPledgeRevised', () => {
    it('sets the pledge (it does not add)', () => {
      // given USA pledged 300000000 then 50
      // when the pledge is revised to 1000.50, then 1 more is pledged
      const state = fold([pledged('USA', '300000000'), pledged('USA', '50'), revised('USA', '1000.50'), pledged('USA', '1')]);
      // then the pledge is 1001.5
      expect(donor(state, 'USA').pledged).toBe('1001.5');
    });

    it('withdraws the pledge when revised to 0, keeping the donor', () => {
      expect(donor(fold([pledged('USA', '5'), revised('USA', '0')]), 'USA').pledged).toBe('0');
    });

    it('does not touch committed or disbursed', () => {
      const state = fold([committed('USA', '7'), disbursed('USA', '3'), revised('USA', '2')]);
      expect(donor(state, 'USA')).toEqual({ donor: 'USA', currency: 'USD', pledged: '2', committed: '7', disbursed: '3' });
    });
  });

  describe('FundingCommitted and FundingDisbursed', () => {
    it('add to their own counters', () => {
      const state = fold([committed('CAN', '10.25'), committed('CAN', '0.75'), disbursed('CAN', '4'), disbursed('CAN', '1.5')]);
      expect(donor(state, 'CAN')).toEqual({ donor: 'CAN', currency: 'USD', pledged: '0', committed: '11', disbursed: '5.5' });
    });
  });

  describe('donors and currencies', () => {
    it('keeps each donor and each currency apart, never adding across currencies', () => {
      // given USA pledges in USD and EUR, and Canada in USD
      const state = fold([pledged('USA', '100'), pledged('USA', '20', 'EUR'), pledged('CAN', '5'), committed('USA', '30')]);
      // then there are three donor rows
      expect(fundingByDonor(state)).toEqual([
        { donor: 'CAN', currency: 'USD', pledged: '5', committed: '0', disbursed: '0' },
        { donor: 'USA', currency: 'EUR', pledged: '20', committed: '0', disbursed: '0' },
        { donor: 'USA', currency: 'USD', pledged: '100', committed: '30', disbursed: '0' },
      ]);
      // and the totals are per currency
      expect(fundingByCurrency(fundingByDonor(state))).toEqual([
        { currency: 'EUR', pledged: '20', committed: '0', disbursed: '0' },
        { currency: 'USD', pledged: '105', committed: '30', disbursed: '0' },
      ]);
    });
  });

  describe('other events', () => {
    it.each<DomainEvent>([
      { type: 'MissionEstablished', data: { name: 'MSS', hostCountry: 'HTI', leadNation: 'KEN' } },
      { type: 'PersonnelRequirementSet', data: { required: 5000 } },
      { type: 'PersonnelPledged', data: { country: 'KEN', personnel: 1000 } },
      { type: 'PledgeRevised', data: { country: 'KEN', personnel: 800 } },
      { type: 'FarewellHeld', data: { country: 'KEN', personnel: 400 } },
      { type: 'ContingentDeparted', data: { country: 'KEN', personnel: 400 } },
      { type: 'ContingentArrived', data: { country: 'KEN', personnel: 400 } },
      { type: 'PersonnelWithdrawn', data: { country: 'KEN', personnel: 10 } },
      { type: 'SupportDeclared', data: { supporter: 'USA' } },
    ])('$type leaves funding unchanged', (event) => {
      const state = fold([pledged('USA', '100')]);
      expect(evolveFunding(state, event)).toBe(state);
      expect(FUNDING_EVENT_TYPES.has(event.type)).toBe(false);
    });
  });

  it('returns new objects and leaves the given state unchanged', () => {
    const state = fold([pledged('USA', '100')]);
    Object.freeze(state);
    Object.freeze(state.byDonor);
    Object.freeze(donor(state, 'USA'));
    const next = evolveFunding(state, committed('USA', '40'));
    expect(donor(state, 'USA').committed).toBe('0');
    expect(donor(next, 'USA').committed).toBe('40');
  });
});
