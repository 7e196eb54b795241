// Exact money: amounts are decimal strings with at most four fraction digits, held as
// BigInt counts of 1/10,000 of a unit. No floating point ever touches an amount.

const SCALE_DIGITS = 4;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

/**
 * What an operator may submit: digits, at most 4 fraction digits, no sign, no exponent, below
 * 10^20 (read models hold numeric(60,4), so sums have room to grow).
 */
export const AMOUNT_PATTERN = /^\d{1,20}(\.\d{1,4})?$/;
/** What a sum may look like (sums grow past the input limit; PostgreSQL's numeric(60,4) may pad zeros). */
const SUM_PATTERN = /^-?\d+(\.\d{1,4})?$/;

export function parseAmount(text: string): bigint {
  if (!SUM_PATTERN.test(text)) throw new Error(`not a decimal amount: ${text}`);
  if (text.startsWith('-')) return -parseAmount(text.slice(1));
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(SCALE_DIGITS, '0'));
}

/** Shortest exact decimal string: 3000000000000 -> "300000000", 3000 -> "0.3". */
export function formatAmount(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  const whole = abs / SCALE;
  const fraction = (abs % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

export function addAmounts(a: string, b: string): string {
  return formatAmount(parseAmount(a) + parseAmount(b));
}
