// `npm run loadtest`: sustained appends from many clients while the worker projects, then
// the checks that a 201 means "in the log once" and that the read models equal the replay.
// `npm run loadtest -- --viewers`: 1,000 live (SSE) viewers instead (bench/loadtest-viewers.ts).
// Both start their own API and worker (built dist/) on a fresh database and Redis prefix,
// print figures and verdicts, write bench/results/loadtest[-viewers]-<timestamp>.json, and
// exit non-zero when a check fails. Measurement tools, not timed unit tests.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BenchEnvironment, startBenchEnvironment } from './lib/bench-environment';
import { HttpClient } from './lib/http-client';
import { runAppendLoad } from './loadtest-appends';
import { checkLog, checkReadModels, readWholeLog, Verdict, waitForProjections } from './loadtest-checks';
import { runViewers } from './loadtest-viewers';
import { establishLoadMission, loadMissionId } from './loadtest-workload';

const SECONDS = Number(process.env.LOADTEST_SECONDS ?? 60);
const CLIENTS = Number(process.env.LOADTEST_CLIENTS ?? 32);
const MISSIONS = Number(process.env.LOADTEST_MISSIONS ?? 64);
const PORT = 3998;

const log = (line: string) => console.log(`[loadtest ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function appends(env: BenchEnvironment): Promise<{ results: Record<string, unknown>; verdicts: Verdict[] }> {
  const http = new HttpClient(env.baseUrl, env.adminKey, 4);
  try {
    const missionIds = Array.from({ length: MISSIONS }, (_, i) => loadMissionId(i));
    for (let i = 0; i < MISSIONS; i++) await http.append(missionIds[i], establishLoadMission(i).events);
    log(`${CLIENTS} clients append for ${SECONDS} s over ${MISSIONS} missions`);
    const load = await runAppendLoad(env.baseUrl, env.adminKey, { seconds: SECONDS, clients: CLIENTS, missions: MISSIONS }, log);
    const memory = { apiMb: env.api.peakRssMb(), workerMb: env.worker.peakRssMb() };

    log('waiting for the projections to catch up, then reading the whole log');
    const caughtUpFrom = performance.now();
    await waitForProjections(http);
    const catchUpSeconds = (performance.now() - caughtUpFrom) / 1000;
    const wholeLog = await readWholeLog(http);
    const serverErrors = Object.entries(load.statusCodes).filter(([status]) => Number(status) >= 500);
    const verdicts: Verdict[] = [
      { check: 'zero 5xx', ok: serverErrors.length === 0, detail: serverErrors.length ? serverErrors.map(([s, n]) => `${s} ×${n}`).join(', ') : 'none' },
      ...checkLog(wholeLog, load.ledger, missionIds),
      ...(await checkReadModels(http, wholeLog, missionIds)),
    ];

    console.log('');
    console.log(`throughput  ${load.events.perSecond.toFixed(0)} events/s, ${load.requests.perSecond.toFixed(0)} requests/s (${load.events.acknowledged} events in ${load.requests.answered} answered requests, ${load.seconds.toFixed(0)} s)`);
    console.log(`latency     p50 ${load.latencyMs.p50} ms, p99 ${load.latencyMs.p99} ms, max ${load.latencyMs.max} ms (answered 2xx)`);
    console.log(`statuses    ${Object.entries(load.statusCodes).map(([s, n]) => `${s} ×${n}`).join(', ')}; ${load.errors} connection errors (${load.timeouts} timeouts); ${load.requests.sent - load.requests.answered} requests unanswered`);
    console.log(`catch-up    ${catchUpSeconds.toFixed(1)} s after the load until every projection was at the head (${wholeLog.length} events)`);
    console.log(`peak RSS    API ${memory.apiMb.toFixed(0)} MB, worker ${memory.workerMb.toFixed(0)} MB`);
    const { ledger: _ledger, ...figures } = load;
    return { results: { ...figures, catchUpSeconds, logEvents: wholeLog.length, peakRssMb: memory }, verdicts };
  } finally {
    http.close();
  }
}

async function main(): Promise<void> {
  const viewers = process.argv.includes('--viewers');
  const name = viewers ? 'loadtest-viewers' : 'loadtest';
  const env = await startBenchEnvironment(viewers ? 'viewers' : 'load', PORT);
  log(`database ${env.databaseName}`);
  let outcome: { results: Record<string, unknown>; verdicts: Verdict[] };
  try {
    outcome = viewers ? await runViewers(env, log) : await appends(env);
  } finally {
    await env.dispose();
  }

  console.log('');
  for (const v of outcome.verdicts) console.log(`${v.ok ? 'PASS' : 'FAIL'}  ${v.check}: ${v.detail}`);
  console.log('');
  const file = join(__dirname, '..', '..', 'bench', 'results', `${name}-${env.stamp}.json`);
  mkdirSync(join(file, '..'), { recursive: true });
  const machine = { cpus: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), machine, ...outcome }, null, 2));
  log(`results written to ${file}`);
  if (outcome.verdicts.some((v) => !v.ok)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
