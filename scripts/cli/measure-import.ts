// The import rate of the operator CLI: writes a file of EVENTS events (default 100,000) over
// MISSIONS missions (default 20) and imports it with `cli import` against a running API
// (MT_URL, MT_API_KEY with the operator role or more; the worker may run beside it).
//   npm run build && MT_URL=http://localhost:3000 MT_API_KEY=... node dist/scripts/cli/measure-import.js
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSampleFile } from './sample-events';

async function main(): Promise<void> {
  const events = Number(process.env.EVENTS ?? 100_000);
  const missions = Number(process.env.MISSIONS ?? 20);
  const dir = mkdtempSync(join(tmpdir(), 'mt-import-'));
  const file = join(dir, 'events.ndjson');
  // A fresh prefix per run, so the missions are new (a re-run of one file appends nothing).
  await writeSampleFile(file, events, missions, `rate-${Date.now().toString(36)}`);
  const cli = join(__dirname, '..', '..', 'apps', 'cli', 'src', 'main.js');
  const started = Date.now();
  const run = spawnSync(process.execPath, [cli, 'import', file], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const seconds = (Date.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(run.stdout);
  if (run.status !== 0) process.exit(run.status ?? 1);
  // Wall time of the whole command, validation pass included.
  console.log(`${events} events, ${missions} missions: ${seconds.toFixed(1)} s end to end, ${Math.round(events / seconds)} events/s`);
}

void main();
