// A PostgreSQL primary and a streaming replica of the test's own, from the machine's
// PostgreSQL 15 binaries, in a temporary directory and on loopback ports of 55400-55499 (other
// suites use other ranges): `initdb` a small primary, give it the project's schema, then
// `pg_basebackup -R -X stream` a hot standby of it. PostgreSQL refuses to run as root, so as
// root every server command runs as the `postgres` OS user (`runuser`). Stopped and removed
// by `stop()` (and, should the test process die first, by its exit handler).
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ADMIN_DATABASE_URL, templateDatabase } from './environment';

const BIN = '/usr/lib/postgresql/15/bin';
const PORTS = { first: 55400, last: 55499 };
const run = promisify(execFile);

export interface PgReplicaPair {
  /** URLs of the database (the project's schema, migrated) on each server. */
  primaryUrl: string;
  replicaUrl: string;
  replicaPort: number;
  /** Milliseconds taken by initdb, start, schema, base backup and replica start. */
  startedInMs: number;
  /** `pg_ctl stop -m fast` of the replica: its connections are closed, new ones refused. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Replay stops (WAL still arrives): the replica serves reads frozen at what it had. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the replica has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** One query on the primary or the replica (a connection of its own). */
  query<R extends object = any>(server: 'primary' | 'replica', sql: string, values?: unknown[]): Promise<R[]>;
  /** Stops both servers and removes their files. */
  stop(): Promise<void>;
}

/** Runs a PostgreSQL binary as the postgres OS user (directly when already that user). */
function asPostgres(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const user = userInfo().username;
  if (user === 'postgres') return run(join(BIN, binary), args);
  if (user !== 'root') throw new Error(`test/support/pg-replica.ts must run as root or postgres (it runs as ${user})`);
  return run('runuser', ['-u', 'postgres', '--', join(BIN, binary), ...args]);
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** Two free ports of the range, from a random start (a run that died may have left servers behind). */
async function freePorts(count: number): Promise<number[]> {
  const size = PORTS.last - PORTS.first + 1;
  const start = Math.floor(Math.random() * size);
  const found: number[] = [];
  for (let i = 0; i < size && found.length < count; i++) {
    const port = PORTS.first + ((start + i) % size);
    if (await isFree(port)) found.push(port);
  }
  if (found.length < count) throw new Error(`no ${count} free ports in ${PORTS.first}-${PORTS.last}`);
  return found;
}

async function query<R extends object>(url: string, sql: string, values?: unknown[]): Promise<R[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPrimaryWithReplica(database = 'missions'): Promise<PgReplicaPair> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'mt-pg-'));
  const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  if (userInfo().username === 'root') chownSync(dir, uid, gid);
  const [primaryPort, replicaPort] = await freePorts(2);
  const primaryData = join(dir, 'primary');
  const replicaData = join(dir, 'replica');
  // Small and fast: no fsync (the files are thrown away), replication on, the socket in our directory.
  const serverOptions = (port: number) =>
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB`;
  const start = (data: string, port: number, extra = '') =>
    asPostgres('pg_ctl', ['-D', data, '-o', `${serverOptions(port)} ${extra}`, '-l', `${data}.log`, '-w', '-t', '30', 'start']);
  const stopServer = (data: string, mode: 'fast' | 'immediate') => asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']).then(() => undefined);

  // Should the test process end without stop(), the servers must not outlive it.
  const onExit = () => {
    for (const data of [replicaData, primaryData]) {
      const args = ['-D', data, '-m', 'immediate', 'stop'];
      if (userInfo().username === 'root') spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), ...args], { stdio: 'ignore' });
      else spawnSync(join(BIN, 'pg_ctl'), args, { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const url = (port: number) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  try {
    await asPostgres('initdb', ['-D', primaryData, '--auth=trust', '-U', 'postgres', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    await start(primaryData, primaryPort, '-c wal_level=replica -c max_wal_senders=4 -c wal_keep_size=64MB -c wal_writer_delay=10ms');
    await query(url(primaryPort).replace(`/${database}`, '/postgres'), `CREATE DATABASE "${database}"`);
    // The project's migrations, as `npm test`'s global setup applied them (prisma migrate
    // deploy) to the template every suite clones: copied over with pg_dump, schema and
    // _prisma_migrations alike, in a fraction of a second (the Prisma CLI takes ~10 s to exit).
    const template = new URL(ADMIN_DATABASE_URL);
    const copy = spawnSync(
      'bash',
      [
        '-o', 'pipefail', '-c',
        `${BIN}/pg_dump --no-owner --no-privileges -h ${template.hostname} -p ${template.port || 5432} -U ${template.username || 'postgres'} -d "$0" ` +
          `| ${BIN}/psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p ${primaryPort} -U postgres -d "$1"`,
        templateDatabase(),
        database,
      ],
      { encoding: 'utf8' },
    );
    if (copy.status !== 0) throw new Error(`copying the migrated schema to the test primary failed:\n${copy.stderr}`);
    // -R writes primary_conninfo and standby.signal: the copy starts as a streaming hot standby.
    await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaData, '-R', '-X', 'stream', '-c', 'fast']);
    await start(replicaData, replicaPort, '-c hot_standby=on -c hot_standby_feedback=on');
  } catch (error) {
    onExit();
    process.removeListener('exit', onExit);
    throw error;
  }
  const startedInMs = Date.now() - started;

  const urls = { primary: url(primaryPort), replica: url(replicaPort) };
  return {
    primaryUrl: urls.primary,
    replicaUrl: urls.replica,
    replicaPort,
    startedInMs,
    stopReplica: () => stopServer(replicaData, 'fast'),
    startReplica: () => start(replicaData, replicaPort, '-c hot_standby=on -c hot_standby_feedback=on').then(() => undefined),
    async pauseReplay() {
      await query(urls.replica, 'SELECT pg_wal_replay_pause()');
      // The request takes effect between records: wait until replay has really stopped.
      for (let i = 0; i < 200; i++) {
        const [{ state }] = await query<{ state: string }>(urls.replica, 'SELECT pg_get_wal_replay_pause_state() AS state');
        if (state === 'paused') return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('replica replay did not pause');
    },
    resumeReplay: () => query(urls.replica, 'SELECT pg_wal_replay_resume()').then(() => undefined),
    async caughtUp(timeoutMs = 10_000) {
      const [{ lsn }] = await query<{ lsn: string }>(urls.primary, 'SELECT pg_current_wal_lsn()::text AS lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [{ done }] = await query<{ done: boolean }>(urls.replica, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]);
        if (done) return;
        if (Date.now() > deadline) throw new Error(`replica did not replay up to ${lsn} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    query: (server, sql, values) => query(urls[server], sql, values),
    async stop() {
      process.removeListener('exit', onExit);
      await stopServer(replicaData, 'immediate').catch(() => undefined);
      await stopServer(primaryData, 'immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
