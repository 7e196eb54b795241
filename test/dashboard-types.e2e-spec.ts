// The dashboard's browser modules are served without a build, so nothing compiles them: this
// runs `tsc -p tsconfig.dashboard.json` (checkJs, DOM types, API bodies typed from the generated
// libs/api-client/src/schema.ts), so a change to the API that the page depends on fails here.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..');

it('the dashboard type-checks against the API types generated from /docs-json', async () => {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.dashboard.json'], { cwd: ROOT }).catch(
    (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? String(error), code: error.code }),
  );
  expect(result.stdout).toBe('');
}, 60_000);
