// `import <file.ndjson>`: validate every line first (nothing is sent if one is bad), then
// append in per-mission batches only the events their streams do not hold yet, so a second
// run (or a resumed, interrupted one, or one with another key, or a week later) appends
// nothing twice.
import { access } from 'node:fs/promises';
import { ApiClient } from '../api-client';
import { CliError } from '../cli-error';
import { startProgress } from '../progress';
import { BatchFormer, BatchLimits, DEFAULT_BATCH_LIMITS } from './batch-former';
import { BatchSender } from './batch-sender';
import { fileLines } from './file-lines';
import { parseImportLine } from './import-line';

export interface ImportOptions {
  concurrency: number;
  limits?: BatchLimits;
  /** Where bad lines and waits are reported. */
  warn(line: string): void;
  /** The summary. */
  print(line: string): void;
}

export async function importFile(client: ApiClient, path: string, options: ImportOptions): Promise<void> {
  await access(path).catch(() => {
    throw new CliError(`cannot read ${path}: no such file`);
  });
  const { eventsPerMission, total, bad } = await validateFile(path, options.warn);
  if (bad > 0) throw new CliError(`${bad} bad line${bad === 1 ? '' : 's'} in ${path}; nothing was appended`);
  if (total === 0) {
    options.print(`${path} holds no events; nothing to append`);
    return;
  }

  const started = Date.now();
  const progress = startProgress('import', total, 'events');
  let done = 0;
  /** Events found in their streams already (an earlier run, or anyone who appended them). */
  let alreadyInLog = 0;
  const sender = new BatchSender(client, {
    concurrency: options.concurrency,
    onAppended: (batch, already) => {
      alreadyInLog += already;
      progress.update((done += batch.events.length));
    },
    onWait: (seconds, reason) => options.warn(`waiting ${seconds}s: ${reason}`),
  });
  const former = new BatchFormer(new Map(eventsPerMission), options.limits ?? DEFAULT_BATCH_LIMITS);
  try {
    for await (const { line, text } of fileLines(path)) {
      const parsed = parseImportLine(text);
      if (!parsed.ok) throw new CliError(`line ${line} changed while importing and is no longer valid; run the import again`);
      for (const batch of former.add(parsed.missionId, parsed.event, line)) await sender.enqueue(batch);
    }
    for (const batch of former.flush()) await sender.enqueue(batch);
    await sender.drain();
  } catch (error) {
    // Batches under way still finish (or fail) before the reason is shown.
    await sender.drain().catch(() => undefined);
    throw sender.failed ?? error;
  } finally {
    progress.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const missions = eventsPerMission.size;
  const imported = alreadyInLog === 0 ? `${total} events` : `${total - alreadyInLog} new events (${alreadyInLog} already in the log)`;
  options.print(
    `imported ${imported} into ${missions} mission${missions === 1 ? '' : 's'} in ${seconds.toFixed(1)} s ` +
      `(${Math.round(total / Math.max(seconds, 0.001))} events/s)`,
  );
}

/** Reports each bad line as it is found; keeps only a count per mission (not the events). */
async function validateFile(path: string, warn: (line: string) => void) {
  const eventsPerMission = new Map<string, number>();
  let total = 0;
  let bad = 0;
  for await (const { line, text } of fileLines(path)) {
    const parsed = parseImportLine(text);
    if (parsed.ok) {
      eventsPerMission.set(parsed.missionId, (eventsPerMission.get(parsed.missionId) ?? 0) + 1);
      total++;
    } else {
      bad++;
      for (const error of parsed.errors) warn(`line ${line}: ${error.path || '(line)'}: ${error.message}`);
    }
  }
  return { eventsPerMission, total, bad };
}
