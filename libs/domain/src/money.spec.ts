// Unit specs for exact money: decimal strings <-> BigInt counts of 1/10,000 of a unit.
import { addAmounts, AMOUNT_PATTERN, formatAmount, parseAmount } from './money';

describe('parseAmount', () => {
  it.each([
    ['0', 0n],
    ['1', 10_000n],
    ['5.7', 57_000n],
    ['5.70', 57_000n],
    ['5.1234', 51_234n],
    ['0.0001', 1n],
    ['0.10', 1_000n],
    ['300000000', 3_000_000_000_000n],
    ['999999999999999.9999', 9_999_999_999_999_999_999n],
    ['999999999999999999.9999', 9_999_999_999_999_999_999_999n],
  ])('reads %j as %s ten-thousandths', (text, units) => {
    // given a decimal amount
    // when parsed
    // then it is the exact count of 1/10,000 units, beyond Number's safe integers
    expect(parseAmount(text)).toBe(units);
  });

  it.each([
    ['-5', -50_000n],
    ['-0.5', -5_000n],
    ['01', 10_000n],
    ['300000000.0000', 3_000_000_000_000n],
    ['1000000000000000000', 10_000_000_000_000_000_000_000n],
    ['12345678901234567890123.4567', 123_456_789_012_345_678_901_234_567n],
  ])('reads the sum %j (signed, zero-padded or beyond the input limit) as %s', (text, units) => {
    // given a running sum as stored (it may be negative, padded by numeric(60,4), or large)
    // when parsed
    // then it is exact
    expect(parseAmount(text)).toBe(units);
  });

  it.each(['1e5', '5.12345', '', '+5', '5.', '.5', '-.5', '-', '--5', '1,5', ' 5', '5 ', 'abc', '0x10', 'Infinity'])(
    'throws on %j',
    (text) => {
      expect(() => parseAmount(text)).toThrow(`not a decimal amount: ${text}`);
    },
  );
});

describe('AMOUNT_PATTERN', () => {
  it('accepts up to 18 whole digits and up to 4 fraction digits', () => {
    expect(AMOUNT_PATTERN.test('12345678901234567890.1234')).toBe(true);
    expect(AMOUNT_PATTERN.test('123456789012345678901')).toBe(false);
    expect(AMOUNT_PATTERN.test('1.12345')).toBe(false);
  });

  it.each(['300000000', '5.70', '0', '0.0001'])('accepts what an operator may submit: %j', (text) => {
    expect(AMOUNT_PATTERN.test(text)).toBe(true);
  });

  it.each(['1e5', '-5', '5.12345', '', '+5', '5.', '.5'])('rejects %j', (text) => {
    expect(AMOUNT_PATTERN.test(text)).toBe(false);
  });
});

describe('formatAmount', () => {
  it.each([
    [0n, '0'],
    [1n, '0.0001'],
    [1_000n, '0.1'],
    [3_000n, '0.3'],
    [57_000n, '5.7'],
    [51_234n, '5.1234'],
    [10_000n, '1'],
    [3_000_000_000_000n, '300000000'],
    [10_000_000_000_000_000_000n, '1000000000000000'],
    [-5_000n, '-0.5'],
    [-3_000_000_000_000n, '-300000000'],
  ])('writes %s ten-thousandths as %j', (units, text) => {
    expect(formatAmount(units)).toBe(text);
  });

  it.each([
    ['5.70', '5.7'],
    ['300000000.00', '300000000'],
    ['1.0000', '1'],
    ['0.0', '0'],
    ['10.50', '10.5'],
    ['100', '100'],
  ])('drops trailing zeros: %j -> %j', (input, output) => {
    // given an amount written with trailing fraction zeros
    // when parsed and formatted again
    // then the shortest exact form comes back (zeros in the whole part are kept)
    expect(formatAmount(parseAmount(input))).toBe(output);
  });

  it.each(['0.0001', '5.1234', '300000000', '999999999999999999.9999', '42.05', '-42.05', '1000000000000000000000'])('round-trips %j exactly', (text) => {
    expect(formatAmount(parseAmount(text))).toBe(text);
  });
});

describe('addAmounts', () => {
  it('adds "0.10" and "0.20" exactly to "0.3" (no floating point)', () => {
    // given two amounts whose float sum is 0.30000000000000004
    expect(0.1 + 0.2).not.toBe(0.3);
    // when added
    // then the sum is exact
    expect(addAmounts('0.10', '0.20')).toBe('0.3');
  });

  it('carries across the decimal point near 10^15', () => {
    expect(addAmounts('999999999999999.9999', '0.0001')).toBe('1000000000000000');
  });

  it('keeps every unit of large sums that a double would round', () => {
    // 2^53 + 1 is not representable as a double
    expect(addAmounts('9007199254740992', '1')).toBe('9007199254740993');
    expect(addAmounts('123456789012345678', '0.0001')).toBe('123456789012345678.0001');
  });

  it.each([
    ['300000000', '0', '300000000'],
    ['5.70', '4.30', '10'],
    ['0.0001', '0.0009', '0.001'],
    ['1.5', '2.25', '3.75'],
    ['0', '0', '0'],
  ])('%s + %s = %s', (a, b, sum) => {
    expect(addAmounts(a, b)).toBe(sum);
    expect(addAmounts(b, a)).toBe(sum);
  });

  it('keeps adding past the 18 digits an operator may submit', () => {
    // given a running sum that already exceeds the input limit
    const sum = addAmounts('999999999999999999.9999', '0.0001');
    expect(sum).toBe('1000000000000000000');
    // when more is added to it
    // then the sum stays exact
    expect(addAmounts(sum, '999999999999999999.9999')).toBe('1999999999999999999.9999');
  });

  it('adds signed sums exactly', () => {
    expect(addAmounts('1', '-1')).toBe('0');
    expect(addAmounts('0.10', '-0.30')).toBe('-0.2');
    expect(addAmounts('-5.5', '-0.5')).toBe('-6');
  });

  it('rejects an operand that is not a decimal amount', () => {
    expect(() => addAmounts('1e5', '1')).toThrow('not a decimal amount: 1e5');
    expect(() => addAmounts('1', '0.12345')).toThrow('not a decimal amount: 0.12345');
  });
});
