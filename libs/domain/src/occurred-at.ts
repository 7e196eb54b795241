// `occurredAt`: an ISO 8601 date (meaning 00:00 UTC) or date-time. A date-time without an
// offset is read as UTC, so the same text always means the same instant.
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Years before 1900 are refused: no mission event is that old, and it catches typos like 0024.
 * Years after 9999 are refused: ISO 8601 text (toISOString) and PostgreSQL's own date-time
 * text stop there. The bounds hold for the instant in UTC ("9999-12-31T23:59:59-14:00" is
 * in the year 10000).
 */
const FIRST_YEAR = 1900;
const LAST_YEAR = 9999;
export const OCCURRED_AT_RANGE = `between the years ${FIRST_YEAR} and ${LAST_YEAR} (UTC)`;
const EARLIEST = Date.UTC(FIRST_YEAR, 0, 1);
const LATEST = Date.UTC(LAST_YEAR + 1, 0, 1) - 1;

function isRealDate(year: number, month: number, day: number): boolean {
  if (year < FIRST_YEAR) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** NaN (an offset the Date parser refused) compares false with everything. */
const inRange = (instant: Date) => instant.getTime() >= EARLIEST && instant.getTime() <= LATEST;

/** The instant, or null when the text is not an ISO 8601 date or date-time within the years above. */
export function parseOccurredAt(text: string): Date | null {
  const date = DATE.exec(text);
  if (date) {
    const [year, month, day] = date.slice(1).map(Number);
    return isRealDate(year, month, day) ? new Date(Date.UTC(year, month - 1, day)) : null;
  }
  const dateTime = DATE_TIME.exec(text);
  if (!dateTime) return null;
  const [year, month, day, hour, minute, second = 0] = dateTime.slice(1, 7).map((part) => Number(part ?? 0));
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const fraction = (dateTime[7] ?? '').padEnd(3, '0').slice(0, 3);
  const offset = dateTime[8] ?? 'Z';
  const iso = `${dateTime.slice(1, 4).join('-')}T${dateTime[4]}:${dateTime[5]}:${String(second).padStart(2, '0')}.${fraction}${offset === 'Z' ? 'Z' : offset.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`;
  const instant = new Date(iso);
  return inRange(instant) ? instant : null;
}

/** The end of a UTC day given as YYYY-MM-DD (for `asOf`), or null when it is not a date. */
export function endOfDay(text: string): Date | null {
  const start = DATE.test(text) ? parseOccurredAt(text) : null;
  return start ? new Date(start.getTime() + 86_400_000 - 1) : null;
}

/** A calendar date as YYYY-MM-DD (a real day, years as for occurredAt): mandates' and indicators' dates. */
export function isIsoDate(text: string): boolean {
  return DATE.test(text) && parseOccurredAt(text) !== null;
}

/** The UTC calendar day (YYYY-MM-DD) of an instant. */
export const utcDay = (instant: Date | string): string => (typeof instant === 'string' ? new Date(instant) : instant).toISOString().slice(0, 10);
