// Stoplight Prism as a validating proxy (`prism proxy --errors <document> <upstream>`): a judge
// of the OpenAPI document that nobody here wrote. It checks each request against the document
// (a violation: Prism answers 401 or 422 itself and forwards nothing) and each answer of the
// upstream (a violation: Prism answers 500 with its own problem, `validation` listing them);
// every violation, also a warning, is listed in the `sl-violations` header.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const PRISM_CLI = join(__dirname, '..', '..', 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

/** What Prism says of one exchange. */
export interface PrismViolation {
  location: string[];
  severity: string;
  code?: string | number;
  message?: string;
}

export interface PrismProxy {
  baseUrl: string;
  output: () => string;
  close(): Promise<void>;
}

/** A port free on the loopback interface now (the OS picks it; the caller binds it at once). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `prism proxy --errors` in front of `upstream`, on a free loopback port, and waits for
 * its "listening" line. With `validateRequest: false`, requests are forwarded whatever they are
 * and only the answers are judged: how a test checks the server's answers to requests the
 * document itself refuses.
 */
export async function startPrismProxy(documentFile: string, upstream: string, options: { validateRequest?: boolean } = {}): Promise<PrismProxy> {
  if (!existsSync(PRISM_CLI)) throw new Error(`${PRISM_CLI} is missing: @stoplight/prism-cli is a devDependency, run "npm ci"`);
  const port = await freeLoopbackPort();
  const args = [PRISM_CLI, 'proxy', '--errors', '--host', '127.0.0.1', '--port', String(port), '--cors', 'false', '--verboseLevel', 'warn'];
  if (options.validateRequest === false) args.push('--validate-request', 'false');
  args.push(documentFile, upstream);
  const child: ChildProcess = spawn(process.execPath, args, {
    // No telemetry ping (Scarf, a dependency of Prism's) from a test; no colour codes in the output.
    env: { ...process.env, SCARF_ANALYTICS: 'false', DO_NOT_TRACK: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 60 s:\n${output}`)), 60_000);
    const ready = async () => {
      // Prism logs its routes, then listens: ask it rather than parse its coloured lines.
      for (;;) {
        if (child.exitCode !== null) return;
        const answered = await fetch(`${baseUrl}/health/live`).then(
          () => true,
          () => false,
        );
        if (answered) break;
        await new Promise((wait) => setTimeout(wait, 200));
      }
      clearTimeout(timer);
      resolve();
    };
    void ready();
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`Prism exited before listening:\n${output}`));
    });
  });
  return {
    baseUrl,
    output: () => output,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The violations Prism found in one exchange: its `sl-violations` header, and the body of its own error answers. */
export function violationsOf(headers: Headers, body: unknown): PrismViolation[] {
  const header = headers.get('sl-violations');
  const listed: PrismViolation[] = header ? (JSON.parse(header.replace(/^Too many violations! /, '')) as PrismViolation[]) : [];
  const problem = body as { type?: string; validation?: PrismViolation[] } | undefined;
  const own = typeof problem?.type === 'string' && problem.type.startsWith('https://stoplight.io/prism/') ? (problem.validation ?? [{ location: [], severity: 'Error', message: `${problem.type}: ${JSON.stringify(problem)}` }]) : [];
  const seen = new Set(listed.map((violation) => JSON.stringify(violation)));
  return [...listed, ...own.filter((violation) => !seen.has(JSON.stringify(violation)))];
}
