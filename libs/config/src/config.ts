// Environment, validated once into a typed object (see .env.example for each variable).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** proxy-addr's names for address ranges (127.0.0.0/8 and ::1; link-local; private). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address, an address/prefix range, or one of PROXY_RANGE_NAMES. */
function isProxyAddress(value: string): boolean {
  if (PROXY_RANGE_NAMES.has(value)) return true;
  const [address, prefix, ...rest] = value.split('/');
  const version = isIP(address);
  if (!version || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

const schema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/missions'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  BOOTSTRAP_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Prefix of every Redis key; tests and benchmarks use their own so they never meet a running instance. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('mt'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Events a projection applies per transaction. */
  PROJECTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  /**
   * At most this long between the starts of two catch-ups of one partition when appends keep
   * coming (twice the last catch-up's duration, capped here; 0: back to back). The events
   * that arrive meanwhile share one step: less CPU per event, a little more lag.
   */
  PROJECTION_STEP_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  /** A worker deletes the idempotency keys older than 24 hours at start-up, then this often. */
  IDEMPOTENCY_PURGE_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
  /** Requests per minute per API key (per client IP without a valid key) on /v1 and /admin; 0 turns it off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  /**
   * Live streams (GET /v1/missions/{id}/live) one API key may hold open on one API process,
   * its dashboard sessions' included, so that one key cannot take every stream the process serves.
   */
  LIVE_STREAMS_PER_KEY: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Origins allowed to call the API from a browser (CORS); none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isOrigin, 'each must be an origin: scheme, host and port only, such as https://dashboard.example.org'))),
  /**
   * Seeds of a Redis Cluster (`host:port,host:port`); when set, every Redis client uses the
   * cluster and REDIS_URL is ignored.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((node) => node.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/, 'each must be host:port, such as 10.0.0.5:7000')))
    .transform((nodes) =>
      nodes.map((node) => {
        const at = node.lastIndexOf(':');
        return { host: node.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(node.slice(at + 1)) };
      }),
    ),
  /**
   * The reverse proxies (addresses, ranges, or loopback/linklocal/uniquelocal) whose
   * X-Forwarded-Proto and X-Forwarded-For are believed, when a request comes from one of them:
   * the session cookie is then Secure when the proxy got HTTPS, and a client without a valid
   * key is rate-limited by its own address. None by default (anyone could send those headers).
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((proxy) => proxy.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isProxyAddress, 'each must be an IP address, an address range (10.0.0.0/8) or loopback, linklocal or uniquelocal'))),
  /** PostgreSQL streaming replicas that serve read-model reads (comma-separated URLs). */
  DATABASE_REPLICA_URLS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((url) => url.trim()).filter(Boolean))
    .pipe(z.array(z.string().url('each must be a postgresql:// URL'))),
  /**
   * How many partitions the projections are split into (missions by a hash of missionId), so
   * that several workers fold in parallel. Unset: whatever the database was set up with.
   */
  PROJECTION_PARTITIONS: z.coerce.number().int().min(1).max(256).optional(),
  /**
   * A partition whose events have waited, and whose checkpoint has not moved, for longer
   * than this is reported stuck (status, metrics, readiness).
   */
  PROJECTION_STUCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(30),
  /** On SIGTERM, how long the API finishes what it accepted before it closes what is left. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** A request whose headers and body have not all arrived by then is answered 408. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
});

export type AppConfig = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {}

/** The development key `npm start` uses when none is set (printed in the README). */
export const LOCAL_ADMIN_KEY = 'local-admin-key-change-me';
/** Keys anyone can read in our docs and examples: never accepted on a public interface. */
const WELL_KNOWN_ADMIN_KEYS = new Set([LOCAL_ADMIN_KEY, 'change-me-please-0123456789']);

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The API refuses to start with a well-known BOOTSTRAP_ADMIN_KEY on an interface other
 * machines can reach (anyone who read the README would be an admin).
 */
export function assertSafeBootstrapKey(config: AppConfig): void {
  if (config.BOOTSTRAP_ADMIN_KEY && WELL_KNOWN_ADMIN_KEYS.has(config.BOOTSTRAP_ADMIN_KEY) && !isLoopback(config.HOST)) {
    throw new ConfigError(
      `BOOTSTRAP_ADMIN_KEY is the published development key "${config.BOOTSTRAP_ADMIN_KEY}"; refusing to listen on ${config.HOST} with it. ` +
        'Set a secret of your own (for example: export BOOTSTRAP_ADMIN_KEY=$(openssl rand -hex 24)) or HOST=127.0.0.1.',
    );
  }
}

/**
 * Secrets that may come from a file instead (Docker/Compose secrets, Kubernetes): `NAME_FILE`
 * holds a path whose content is the value, as the official database images do.
 */
export const FILE_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'BOOTSTRAP_ADMIN_KEY'] as const;

/** `env` with each `NAME_FILE` of FILE_VARIABLES replaced by `NAME` = the file's content (without its final newline). */
function withFileVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const resolved: NodeJS.ProcessEnv = { ...env };
  for (const name of FILE_VARIABLES) {
    const path = env[`${name}_FILE`];
    delete resolved[`${name}_FILE`];
    if (!path) continue;
    if (env[name]) throw new ConfigError(`invalid configuration: ${name} and ${name}_FILE are both set; set one of them`);
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`invalid configuration: ${name}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    resolved[name] = content.replace(/\r?\n$/, '');
  }
  return resolved;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(withFileVariables(env)).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
  }
  return Object.freeze(result.data);
}

/** A URL with its password hidden, for log lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
