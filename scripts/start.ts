// `npm start`: applies pending migrations, then runs one API and one worker process and
// prints where to find them. Ctrl-C (or SIGTERM) stops both cleanly.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { checkDependencies, LOCAL_ADMIN_KEY, loadConfig, runMain } from '@app/config';
import { checkRedis } from '@app/queues';
import { migrate } from './migrate';

const DIST = join(__dirname, '..');

function run(name: string, script: string): ChildProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', join(DIST, script)], { stdio: 'inherit', env: process.env });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      stop(code ?? 1);
    }
  });
  return child;
}

let stopping = false;
const children: ChildProcess[] = [];
function stop(code: number): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => process.exit(code), 10_000);
  timer.unref();
  Promise.all(children.map((child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r))))).then(() =>
    process.exit(code),
  );
}

/**
 * `npm start` is the one-machine command: with no BOOTSTRAP_ADMIN_KEY set it uses a local
 * development key (so the README's examples work as written) and then listens on
 * 127.0.0.1 only. Production runs start:api / start:worker with real keys.
 */

runMain(async () => {
  if (!process.env.BOOTSTRAP_ADMIN_KEY && !process.env.BOOTSTRAP_ADMIN_KEY_FILE) {
    process.env.BOOTSTRAP_ADMIN_KEY = LOCAL_ADMIN_KEY;
    if (!process.env.HOST) process.env.HOST = '127.0.0.1'; // unset or empty (an exported .env.example)
    console.warn(`BOOTSTRAP_ADMIN_KEY is not set: using the local development key "${LOCAL_ADMIN_KEY}" and listening on ${process.env.HOST} only`);
  }
  const config = loadConfig();
  await checkDependencies(config, { databaseMayBeMissing: true });
  await checkRedis(config);
  await migrate(config.DATABASE_URL);
  children.push(run('api', 'apps/api/src/main.js'), run('worker', 'apps/worker/src/main.js'));
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
});
