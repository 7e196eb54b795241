// The CSV serializer: columns from the documenting schema, cells as the JSON writes them,
// formulas neutralised, and a round trip through a CSV parser (not string splitting).
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { columnsOf, toCsv } from './csv-table';

const row = z.object({ donor: z.string(), amount: z.string(), count: z.number(), source: z.object({ url: z.string().optional(), publisher: z.string().optional() }).optional() });

describe('toCsv', () => {
  it('names nested fields with a dot, and writes counts and money as in JSON', () => {
    expect(columnsOf(row)).toEqual(['donor', 'amount', 'count', 'source.url', 'source.publisher']);
    const csv = toCsv([{ donor: 'USA', amount: '-1500000.25', count: -400, source: { publisher: 'United Nations, DPPA' } }], columnsOf(row));
    expect(csv).toBe('donor,amount,count,source.url,source.publisher\r\nUSA,-1500000.25,-400,,"United Nations, DPPA"\r\n');
  });

  it('neutralises text a spreadsheet would run as a formula, and parses back to the same text otherwise', () => {
    const hostile = ['=HYPERLINK("http://x","y")', '+1+1', '-cmd', '@SUM(A1)', '\tx', '\rx', 'line\nbreak "quoted"'];
    const csv = toCsv(hostile.map((donor) => ({ donor, amount: '1', count: 1 })), columnsOf(row));
    const parsed = parse(csv, { columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => r.donor)).toEqual(["'=HYPERLINK(\"http://x\",\"y\")", "'+1+1", "'-cmd", "'@SUM(A1)", "'\tx", "'\rx", 'line\nbreak "quoted"']);
  });

  it('writes the header row of an empty table', () => {
    expect(toCsv([], ['a', 'b.c'])).toBe('a,b.c\r\n');
  });
});
