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

export interface PoolOptions {
  /** How long a new connection may take before the query fails (an unanswering server). */
  connectionTimeoutMillis?: number;
  /** Shown in pg_stat_activity, so an operator sees which pool a connection belongs to. */
  applicationName?: string;
}

/** A pg pool whose lost connections fail the query in flight, never the process. */
export function createPool(connectionString: string, max = 20, options: PoolOptions = {}): Pool {
  // keepAlive: a connection whose peer vanished without a reset is found out by the kernel.
  const pool = new Pool({
    connectionString,
    max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: options.applicationName,
  });
  // A client that loses its connection emits 'error', and an 'error' nobody listens to ends
  // the process. The pool listens on idle clients (and re-emits here); a checked-out client
  // has no listener of the pool's, so each gets its own. The query in flight fails (and is
  // answered 503, see isDatabaseUnavailable), and the pool drops the client on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDatabase(connectionString: string, max = 20): Database {
  const pool = createPool(connectionString, max);
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
