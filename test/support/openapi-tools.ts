// The outside tools that judge an OpenAPI document or build on it, each run as Node runs it for
// any user (in a child process: they ship ES modules, which Jest's module system cannot load on
// Node 20).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = (args: string[], cwd: string) =>
  promisify(execFile)(process.execPath, args, {
    cwd,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout: string; stderr: string }) => error); // a failing verdict exits non-zero

/** `null` when @apidevtools/swagger-parser accepts the file, else its message. */
export async function swaggerParserVerdict(file: string): Promise<string | null> {
  const script = `require(${JSON.stringify(join(process.cwd(), 'node_modules', '@apidevtools', 'swagger-parser'))})
    .validate(process.argv[1]).then(() => console.log('valid'), (error) => console.log(error.message));`;
  const { stdout } = await run(['-e', script, file], process.cwd());
  return stdout.trim() === 'valid' ? null : stdout.trim();
}

export interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint` with the recommended rules; run in `dir`, so no redocly.yaml of anyone's applies. */
export async function redoclyLint(file: string, dir: string): Promise<RedoclyReport> {
  const cli = join(process.cwd(), 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const { stdout } = await run([cli, 'lint', file, '--extends', 'recommended', '--format', 'json'], dir);
  return JSON.parse(stdout) as RedoclyReport;
}

/** The client types `npm run openapi:types` makes of the document in `file` (from dist/: run after `npm run build`). */
export async function generatedClientSchema(file: string, dir: string): Promise<string> {
  const out = join(dir, 'schema.ts');
  const { stderr } = await run([join(process.cwd(), 'dist', 'scripts', 'openapi-types.js'), '--document', file, '--out', out], process.cwd());
  return readFile(out, 'utf8').catch(() => `openapi-types failed: ${stderr}`);
}
