// A Redis Cluster of the test's own: 3 masters (no replicas) from the machine's redis-server on
// loopback ports in 7100-7199 (each node's bus port, port + 10000, must be free too), its files
// in a temporary directory. `restart()` kills one master and starts it again on the same port
// and node file, as a crashed and restarted server comes back (its data gone: nothing is kept
// on disk); `stop()` kills every node and removes the directory.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectEventually } from './eventually';

const run = promisify(execFile);
const PORTS = { first: 7100, last: 7199 };

export interface RedisCluster {
  ports: number[];
  /** `127.0.0.1:7100,127.0.0.1:7101,...`, as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  dir: string;
  /** redis-cli against one node (its output, trimmed). */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master that serves each hash slot's range (from CLUSTER SLOTS). */
  masterOfSlot(slot: number): Promise<number>;
  /** SIGKILL one master, wait `downMs`, start it again on its port and node file; resolves when the cluster is ok. */
  restart(port: number, downMs?: number): Promise<void>;
  /** Kills the nodes (no save) so that the cluster is unreachable; `start()` brings them back. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePorts(count: number): Promise<number[]> {
  const found: number[] = [];
  // Start at a random place in the range, so two runs at once rarely probe the same ports first.
  const span = PORTS.last - PORTS.first + 1;
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; i < span && found.length < count; i++) {
    const port = PORTS.first + ((offset + i) % span);
    if ((await portFree(port)) && (await portFree(port + 10_000))) found.push(port);
  }
  if (found.length < count) throw new Error(`fewer than ${count} free ports (and bus ports) in ${PORTS.first}-${PORTS.last}`);
  return found;
}

export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const ports = await freePorts(masters);
  const dir = mkdtempSync(join(tmpdir(), 'mt-redis-cluster-'));
  const servers = new Map<number, ChildProcess>();

  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout.trim();

  const startNode = async (port: number) => {
    const child = spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000',
        '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, `${port}.log`),
      ],
      { stdio: 'ignore' },
    );
    servers.set(port, child);
    await expectEventually(async () => expect(await cli(port, 'ping')).toBe('PONG'), 10_000, 50);
  };

  const killNode = async (port: number) => {
    const child = servers.get(port);
    servers.delete(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  const waitUntilOk = () =>
    expectEventually(
      async () => {
        for (const port of ports) {
          const info = await cli(port, 'cluster', 'info');
          expect({ port, state: /cluster_state:(\w+)/.exec(info)?.[1], slots: /cluster_slots_ok:(\d+)/.exec(info)?.[1] }).toEqual({ port, state: 'ok', slots: '16384' });
        }
      },
      30_000,
      100,
    );

  // A test that dies before stop() must not leave servers (or their files) behind.
  const killAll = () => {
    for (const child of servers.values()) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);

  try {
    for (const port of ports) await startNode(port);
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitUntilOk();
  } catch (error) {
    process.removeListener('exit', killAll);
    killAll();
    throw error;
  }

  return {
    ports,
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(','),
    dir,
    cli,
    async masterOfSlot(slot) {
      const ranges = JSON.parse(await cli(ports[0], '--json', 'cluster', 'slots')) as [number, number, [string, number, string]][];
      const range = ranges.find(([start, end]) => slot >= start && slot <= end);
      if (!range) throw new Error(`no master serves slot ${slot}`);
      return range[2][1];
    },
    async restart(port, downMs = 0) {
      await killNode(port);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await startNode(port);
      await waitUntilOk();
    },
    async kill() {
      for (const port of ports) await killNode(port);
    },
    async start() {
      for (const port of ports) await startNode(port);
      await waitUntilOk();
    },
    async stop() {
      process.removeListener('exit', killAll);
      for (const port of ports) await killNode(port);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
