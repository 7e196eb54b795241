// Environment, validated once into a typed object (see .env.example for each variable).
import { z } from 'zod';

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
  /** On SIGTERM, how long the API finishes what it accepted before it closes what is left. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** A request whose headers and body have not all arrived by then is answered 408. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
});

export type AppConfig = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
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

const NEST_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
const LOG_LEVEL_INDEX = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 } as const;

/** LOG_LEVEL as Nest's list of enabled levels (false = silent). */
export function nestLogLevels(level: AppConfig['LOG_LEVEL']): false | Array<(typeof NEST_LEVELS)[number]> {
  return level === 'silent' ? false : NEST_LEVELS.slice(0, LOG_LEVEL_INDEX[level] + 1);
}
