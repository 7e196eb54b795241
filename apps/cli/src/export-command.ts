// `export [--mission ID] [--out FILE]`: the log (or one stream) as NDJSON envelopes in position
// order, page by page, writing each page before reading the next (constant memory).
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { ApiClient, EventEnvelope } from './api-client';

export interface ExportOptions {
  missionId?: string;
  out?: string;
  /** The summary (stderr when the events go to stdout). */
  print(line: string): void;
}

export async function exportLog(client: ApiClient, options: ExportOptions): Promise<void> {
  // A file appears under its name only when complete: an interrupted export leaves no
  // truncated file that looks whole.
  const partial = options.out ? `${options.out}.partial` : null;
  const output: Writable = partial ? createWriteStream(partial) : process.stdout;
  let count = 0;
  try {
    const pages = options.missionId ? streamPages(client, options.missionId) : logPages(client);
    for await (const events of pages) {
      for (const event of events) {
        if (!output.write(`${JSON.stringify(event)}\n`)) await once(output, 'drain');
      }
      count += events.length;
    }
    if (partial) {
      await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
      await rename(partial, options.out!);
    }
  } catch (error) {
    if (partial) {
      output.destroy();
      await rm(partial, { force: true });
    }
    throw error;
  }
  const what = options.missionId ? `mission ${options.missionId}` : 'the log';
  options.print(`exported ${count} events of ${what}${options.out ? ` to ${options.out}` : ''}`);
}

async function* logPages(client: ApiClient): AsyncGenerator<EventEnvelope[]> {
  for (let after = 0; ; ) {
    const page = await client.readAll(after);
    if (page.events.length === 0) return;
    yield page.events;
    after = page.next;
  }
}

async function* streamPages(client: ApiClient, missionId: string): AsyncGenerator<EventEnvelope[]> {
  for (let fromVersion: number | null = 1; fromVersion !== null; ) {
    const page = await client.readStream(missionId, fromVersion);
    yield page.events;
    fromVersion = page.nextVersion;
  }
}
