// The benchmark's own API and worker processes (built dist/), on their own database and
// Redis prefix.
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const DIST = join(__dirname, '..', '..');

/** A TCP port free on 127.0.0.1 right now: benchmarks of other checkouts may run beside this one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Every child the benchmark started and that is still running (services, library hosts). */
const live = new Set<ChildProcess>();

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.on('error', () => undefined); // e.g. an IPC send to a host that has just exited: its caller sees the exit
}

/** SIGTERM to every child still running, SIGKILL to those still there after 10 s. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/**
 * On SIGINT or SIGTERM (Ctrl-C, a CI timeout), runs `cleanUp` (stop the children, drop the
 * databases) before exiting, instead of leaving them behind.
 */
let interrupting: Promise<void> | null = null;

export function onInterrupt(cleanUp: () => Promise<void>): void {
  const handler = (signal: NodeJS.Signals) => {
    if (interrupting) return;
    console.error(`[bench] ${signal}: stopping the benchmark's processes and dropping its databases`);
    interrupting = cleanUp()
      .catch((error) => console.error(error))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** The clean-up under way after a signal, if any: the scenario that failed because of it waits for it instead of exiting. */
export const interruption = (): Promise<void> | null => interrupting;

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Starts a built service; `ready` resolves when its output shows the `ready` line. */
export function spawnService(name: 'api' | 'worker', env: Record<string, string>, ready: string, timeoutMs = 30_000): { service: ServiceProcess; ready: Promise<void> } {
  const main = join(DIST, 'apps', name, 'src', 'main.js');
  const child = spawn(process.execPath, [main], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), timeoutMs);
    const onData = () => {
      if (output.includes(ready)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.removeListener('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}):\n${output}`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  const service: ServiceProcess = {
    name,
    child,
    pid: child.pid!,
    output: () => output,
    peakRssMb: () => peakRssMb(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
  return { service, ready: started };
}

export async function startService(name: 'api' | 'worker', env: Record<string, string>, ready: string): Promise<ServiceProcess> {
  const { service, ready: started } = spawnService(name, env, ready);
  try {
    await started;
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}
