// One pg pool per process, shared by the event store's SQL and by Prisma (through its pg
// driver adapter), so there is one set of connections to size and to close.
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, types } from 'pg';
import { PrismaClient } from './generated/prisma/client';

// bigint (int8) columns are positions: safe as JS numbers up to 2^53, so parse them as numbers.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

export interface Database {
  pool: Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

/**
 * Startup options that have PostgreSQL probe a silent connection after 5 s and drop it after
 * 3 unanswered probes 2 s apart: a client whose machine or network is gone loses its session,
 * and every lock it held, in about 11 s instead of the kernel's default two hours. A startup
 * parameter, so only for connections made directly (or through a pooler in session mode), as
 * a worker's must be anyway (docs/scaling.md).
 */
export const SERVER_KEEPALIVES = '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3';

export interface PoolOptions {
  /** How long a new connection may take before the query fails (an unanswering server). */
  connectionTimeoutMillis?: number;
  /** Shown in pg_stat_activity, so an operator sees which pool a connection belongs to. */
  applicationName?: string;
  /** Ask the server for SERVER_KEEPALIVES on each connection (the worker's). */
  serverKeepalives?: boolean;
}

/** A pg pool whose lost connections fail the query in flight, never the process. */
export function createPool(connectionString: string, max = 20, options: PoolOptions = {}): Pool {
  // keepAlive: a connection whose peer vanished without a reset is found out by the kernel,
  // starting 5 s after it went quiet (the kernel's own default is two hours).
  const pool = new Pool({
    connectionString,
    max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    application_name: options.applicationName,
    options: options.serverKeepalives ? SERVER_KEEPALIVES : undefined,
  });
  // A client that loses its connection emits 'error', and an 'error' nobody listens to ends
  // the process. The pool listens on idle clients (and re-emits here); a checked-out client
  // has no listener of the pool's, so each gets its own. The query in flight fails (and is
  // answered 503, see isDatabaseUnavailable), and the pool drops the client on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDatabase(connectionString: string, max = 20, options: PoolOptions = {}): Database {
  const pool = createPool(connectionString, max, options);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    pool,
    prisma,
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** True for errors that mean PostgreSQL cannot be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null;
  if (!e) return false;
  // Prisma's own codes for "can't reach", "timed out", "server closed the connection".
  if (e.code && ['P1001', 'P1002', 'P1017'].includes(e.code)) return true;
  if (e.meta?.driverAdapterError?.cause?.kind === 'DatabaseNotReachable') return true;
  if (e.code && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'].includes(e.code)) return true;
  // 08xxx connection exceptions, 57P0x operator intervention (shutdown, cannot connect now).
  if (e.code && /^(08|57P0)/.test(e.code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|connection is closed|Client has encountered a connection error/i.test(e.message ?? '');
}
