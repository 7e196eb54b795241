// Property-based specs of exact money (fast-check): parse, format and add agree with plain
// BigInt arithmetic on the digits, for any amount the API accepts and any sum of them.
import fc from 'fast-check';
import { addAmounts, AMOUNT_PATTERN, formatAmount, parseAmount } from './money';

const RUNS = Number(process.env.DOMAIN_PROPERTY_RUNS ?? 1000);

const digits = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
/** Any amount an operator may submit: 1-20 digits (leading zeros allowed), 0-4 decimals. */
const amount = fc
  .tuple(digits(1, 20), fc.option(digits(1, 4), { nil: undefined }))
  .map(([whole, fraction]) => (fraction === undefined ? whole : `${whole}.${fraction}`));

/** The reference: the amount's digits as one integer of ten-thousandths. */
const units = (text: string): bigint => {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace(/^-/, '').split('.');
  const value = BigInt(whole + fraction.padEnd(4, '0'));
  return negative ? -value : value;
};

/** The shortest exact decimal: no leading zeros (but "0"), no trailing fraction zeros, no "-0". */
const CANONICAL = /^(0|-?[1-9]\d*(\.\d{0,3}[1-9])?|-?0\.\d{0,3}[1-9])$/;

describe('money (property-based)', () => {
  it('every generated amount is one the API accepts', () => {
    fc.assert(fc.property(amount, (text) => AMOUNT_PATTERN.test(text)), { numRuns: RUNS });
  });

  it('parseAmount reads exactly the digits, beyond Number precision', () => {
    fc.assert(fc.property(amount, (text) => expect(parseAmount(text)).toBe(units(text))), { numRuns: RUNS });
  });

  it('formatAmount writes the shortest exact form, and reads back to the same units, for any integer of units', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), (n) => {
        const text = formatAmount(n);
        expect(text).toMatch(CANONICAL);
        expect(parseAmount(text)).toBe(n);
      }),
      { numRuns: RUNS },
    );
  });

  it('the same amount written differently ("05.10", "5.1") formats the same', () => {
    fc.assert(
      fc.property(amount, fc.nat({ max: 5 }), fc.nat({ max: 3 }), (text, zeros, trailing) => {
        const [whole, fraction] = text.split('.');
        const padded = `${'0'.repeat(zeros)}${whole}.${(fraction ?? '').padEnd(Math.min(4, (fraction ?? '').length + trailing), '0') || '0'}`;
        expect(formatAmount(parseAmount(padded))).toBe(formatAmount(parseAmount(text)));
      }),
      { numRuns: RUNS },
    );
  });

  it('a sum of any amounts, added one by one, is the BigInt sum of their digits', () => {
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 200 }), (amounts) => {
        const total = amounts.reduce((sum, next) => addAmounts(sum, next), '0');
        expect(parseAmount(total)).toBe(amounts.reduce((sum, next) => sum + units(next), 0n));
        expect(total).toMatch(CANONICAL);
      }),
      { numRuns: RUNS / 5 },
    );
  });

  it('addition is commutative and associative on decimal strings (no rounding anywhere)', () => {
    fc.assert(
      fc.property(amount, amount, amount, (a, b, c) => {
        expect(addAmounts(a, b)).toBe(addAmounts(b, a));
        expect(addAmounts(addAmounts(a, b), c)).toBe(addAmounts(a, addAmounts(b, c)));
      }),
      { numRuns: RUNS },
    );
  });

  it('sums read back from numeric(60,4) as padded text ("5.7000", negatives too) parse to the same units', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 29n), max: 10n ** 29n }), (n) => {
        const abs = n < 0n ? -n : n;
        const padded = `${n < 0n ? '-' : ''}${abs / 10_000n}.${String(abs % 10_000n).padStart(4, '0')}`;
        expect(parseAmount(padded)).toBe(n);
      }),
      { numRuns: RUNS },
    );
  });
});
