// CPU time spent during a scenario, per process group, from /proc (Linux): the figure that
// stays put when the machine is shared, where wall-clock throughput moves with the load of
// others. Groups:
// - api / worker: the benchmark's own service processes (their pids, utime + stime);
// - pg: PostgreSQL backends serving the benchmark's databases (a backend's process title
//   names its database: "postgres: 15/main: postgres mt_bench_... 127.0.0.1(5432) idle");
// - pgShared: the server's own processes that serve every database (checkpointer,
//   background writer, WAL writer, launchers): shared with whatever else runs on the server;
// - client: this process (the load generator, and the library under test when a scenario
//   calls a store in-process);
// - host: the whole machine's busy time from /proc/stat (includes every other process here:
//   an upper bound, not ours).
// Backends come and go (pools open connections during a scenario), so the PostgreSQL
// processes are sampled every SAMPLE_MS and each pid counts from its first to its last
// sighting (from zero when it was born inside the window): what a backend spends after the
// last sample before it exits is lost, which the benchmark avoids by ending its windows
// before its pools close.
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Client } from 'pg';

const TICK_US = 10_000; // USER_HZ is 100 on Linux (getconf CLK_TCK): one tick is 10 ms.
const SAMPLE_MS = 200;

export type CpuGroup = 'api' | 'worker' | 'pg' | 'pgShared' | 'client';
export const CPU_GROUPS: CpuGroup[] = ['api', 'worker', 'pg', 'pgShared', 'client'];

export interface CpuWindow {
  events: number;
  wallMs: number;
  /** µs of CPU per group over the window. null when the group could not be read (a remote PostgreSQL). */
  us: Record<CpuGroup, number | null>;
  /** Sum of the groups (api + worker + pg + pgShared + client). */
  totalUs: number;
  /** The whole host's busy time (user + nice + system + irq + softirq; not idle, iowait, steal). */
  hostBusyUs: number;
  /** What the machine could have given over the window: cores × wall. */
  capacityUs: number;
}

/** utime + stime of a process in µs, or null when it is gone. */
export function processCpuUs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return null;
  }
}

function hostBusyUs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) * TICK_US;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) children.push(...text.split(' ').map(Number));
    }
  } catch {
    // the postmaster is not ours to read (another host, another namespace)
  }
  return children;
}

/** A backend's title: "postgres: <cluster>: <user> <database> <host(port)> <state>"; aux processes have no host. */
const CLIENT_BACKEND = /^postgres: (?:[^:]+: )?(\S+) (\S+) (\S+\(\d+\)|\[local\])/;

/**
 * Finds the postmaster of the server behind `databaseUrl` on this host (the parent of one of
 * its backends), or null when PostgreSQL runs elsewhere.
 */
export async function findPostmaster(databaseUrl: string): Promise<number | null> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const stat = readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes('postgres') ? ppid : null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

interface Seen {
  group: CpuGroup | 'other';
  first: number;
  last: number;
}

export class CpuMeter {
  /** The service processes counted as `api` and `worker` (workers are spawned and stopped as scenarios need). */
  private readonly services = new Map<number, 'api' | 'worker' | 'client'>();

  constructor(
    private readonly postmaster: number | null,
    /** Databases of this benchmark: backends whose database name starts with it count as `pg`. */
    private readonly databasePrefix: string,
  ) {}

  /**
   * Counts this process's CPU as `role` from the next window on (a window started earlier sees
   * it from its next sample). `client` adds to this process's own CPU: a library host.
   */
  watch(role: 'api' | 'worker' | 'client', pid: number): void {
    this.services.set(pid, role);
  }

  unwatch(pid: number): void {
    this.services.delete(pid);
  }

  /** Runs `scenario` inside a measuring window; `events` is how many events it handled. */
  async measure<T>(scenario: () => Promise<T>, events: number | ((result: T) => number)): Promise<{ result: T; cpu: CpuWindow }> {
    const window = this.open();
    let result: T;
    try {
      result = await scenario();
    } catch (error) {
      window.close(1);
      throw error;
    }
    return { result, cpu: window.close(typeof events === 'function' ? events(result) : events) };
  }

  /** Starts a window by hand (when the scenario's end is not one promise). */
  open(): { close(events: number): CpuWindow } {
    const seen = new Map<number, Seen>();
    const startedAt = performance.now();
    const host0 = hostBusyUs();
    const client0 = process.cpuUsage();
    const sample = (initial: boolean) => {
      const processes = new Map<number, CpuGroup | 'other'>(this.services);
      if (this.postmaster) for (const [pid, kind] of this.postgresProcesses()) processes.set(pid, kind);
      for (const [pid, kind] of processes) {
        if (kind === 'other') continue;
        const us = processCpuUs(pid);
        if (us === null) continue;
        const known = seen.get(pid);
        if (known) known.last = us;
        else seen.set(pid, { group: kind, first: initial ? us : 0, last: us });
      }
    };
    sample(true);
    const timer = setInterval(() => sample(false), SAMPLE_MS);
    return {
      close: (events: number) => {
        clearInterval(timer);
        sample(false);
        const client = process.cpuUsage(client0);
        const us: Record<CpuGroup, number | null> = { api: 0, worker: 0, pg: this.postmaster ? 0 : null, pgShared: this.postmaster ? 0 : null, client: client.user + client.system };
        for (const { group, first, last } of seen.values()) if (group !== 'other') us[group] = (us[group] ?? 0) + (last - first);
        const wallMs = performance.now() - startedAt;
        return {
          events,
          wallMs,
          us,
          totalUs: CPU_GROUPS.reduce((sum, g) => sum + (us[g] ?? 0), 0),
          hostBusyUs: hostBusyUs() - host0,
          capacityUs: cpus().length * wallMs * 1000,
        };
      },
    };
  }

  /** The server's processes: the postmaster, our databases' backends, its shared processes; others' backends as 'other'. */
  private postgresProcesses(): Map<number, CpuGroup | 'other'> {
    const kinds = new Map<number, CpuGroup | 'other'>();
    kinds.set(this.postmaster!, 'pgShared');
    const helpers: [number, number][] = [];
    for (const pid of childrenOf(this.postmaster!)) {
      let title: string;
      try {
        title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue;
      }
      const backend = CLIENT_BACKEND.exec(title);
      const leader = /parallel worker for PID (\d+)/.exec(title);
      if (backend) kinds.set(pid, backend[2].startsWith(this.databasePrefix) ? 'pg' : 'other');
      else if (leader) helpers.push([pid, Number(leader[1])]); // works for its leader's database
      else if (/autovacuum worker|walsender|background worker/.test(title)) kinds.set(pid, title.includes(this.databasePrefix) ? 'pg' : 'other');
      else kinds.set(pid, 'pgShared'); // checkpointer, background writer, walwriter, launchers
    }
    for (const [pid, leader] of helpers) kinds.set(pid, kinds.get(leader) === 'pg' ? 'pg' : 'other');
    return kinds;
  }
}

/** µs per event of each group, and of the total, for one window. */
export function perEvent(window: CpuWindow) {
  const per = (us: number | null) => (us === null ? null : us / window.events);
  return {
    ...(Object.fromEntries(CPU_GROUPS.map((g) => [g, per(window.us[g])])) as Record<CpuGroup, number | null>),
    total: window.totalUs / window.events,
    host: window.hostBusyUs / window.events,
    capacity: window.capacityUs / window.events,
  };
}
