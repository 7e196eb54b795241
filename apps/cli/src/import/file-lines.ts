// The non-blank lines of a file with their numbers, read as a stream (constant memory).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export async function* fileLines(path: string): AsyncGenerator<{ line: number; text: string }> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of reader) {
      line++;
      // A byte-order mark from a spreadsheet export is not part of the JSON.
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() !== '') yield { line, text };
    }
  } finally {
    reader.close();
    input.destroy();
  }
}
