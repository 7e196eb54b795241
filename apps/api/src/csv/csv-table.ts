// CSV (CONTRACT section 10), one serializer for every read model: RFC 4180 through
// csv-stringify, a header row of the JSON field names (nested ones joined with "."), taken
// from the same zod schema that documents the JSON, and counts and money written as in the
// JSON. Text a spreadsheet would run as a formula is neutralised with a leading "'".
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';

/** The columns of a row schema: its fields, nested objects flattened to `a.b`. */
export function columnsOf(schema: z.ZodType, prefix = ''): string[] {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, field]) => columnsOf(field, prefix ? `${prefix}.${key}` : key));
  }
  return [prefix];
}

/** Cells a spreadsheet reads as a formula (or as the start of one). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A count or an amount as the JSON writes it ("-400", "1500000.25"): data, not text. */
const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

export function cellOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return neutralise(value.map(cellOf).join('; '));
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return neutralise(JSON.stringify(value));
  return neutralise(String(value));
}

function neutralise(text: string): string {
  return FORMULA_START.test(text) && !NUMBER_TEXT.test(text) ? `'${text}` : text;
}

function valueAt(row: unknown, path: string): unknown {
  let value = row;
  for (const key of path.split('.')) value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[key];
  return value;
}

/** The rows as CSV, CRLF line ends (RFC 4180), always with the header row. */
export function toCsv(rows: ReadonlyArray<unknown>, columns: string[]): string {
  return stringify([columns, ...rows.map((row) => columns.map((column) => cellOf(valueAt(row, column))))], { record_delimiter: 'windows' });
}
