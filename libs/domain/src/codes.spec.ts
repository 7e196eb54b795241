// Names people can add up (CONTRACT section 10): a country's name is recognised in English and
// French, whatever its case and accents, so that it can be refused where its code belongs.
import { countryCodeNamed } from './codes';
import { validateEvent } from './validation';

describe('countryCodeNamed', () => {
  it.each([
    ['Canada', 'CAN'],
    ['canada', 'CAN'],
    ['États-Unis', 'USA'],
    ['etats-unis', 'USA'],
    ["États-Unis d'Amérique", 'USA'],
    ['United States', 'USA'],
    ['Royaume-Uni', 'GBR'],
    ['Haïti', 'HTI'],
    ['  Kenya ', 'KEN'],
    ['Jamaïque', 'JAM'],
  ])('%s is %s', (name, code) => expect(countryCodeNamed(name)).toBe(code));

  it.each(['UN Trust Fund for Haiti', 'European Union', 'République', 'Organization of American States', 'USAID'])('%s is no country', (name) => {
    expect(countryCodeNamed(name)).toBeNull();
  });

  it('refuses a country name as a donor or supporter, naming the code; the code and organisations pass', () => {
    const pledge = (donor: string) => validateEvent({ type: 'FundingPledged', occurredAt: '2024-02-22', data: { donor, amount: '80500000', currency: 'CAD' } });
    expect(pledge('Canada')).toEqual({ ok: false, errors: [{ path: 'data.donor', message: 'is the name of a country: use "CAN" for Canada' }] });
    expect(pledge('CAN').ok).toBe(true);
    expect(pledge('UN Trust Fund for Haiti').ok).toBe(true);
    const support = validateEvent({ type: 'SupportDeclared', occurredAt: '2023-10-02', data: { supporter: 'États-Unis' } });
    expect(support).toEqual({ ok: false, errors: [{ path: 'data.supporter', message: 'is the name of a country: use "USA" for United States of America' }] });
  });
});
