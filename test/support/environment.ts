// Where tests find PostgreSQL and Redis. They never touch a running instance's data: every
// suite gets its own database (mt_test_<run>_*) and its own Redis key prefix. Databases are
// named after the test run's process id, so parallel runs on one machine leave each other alone.
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Set by global-setup for the whole run (Jest's workers inherit it). */
export const runId = (): string => process.env.MT_TEST_RUN ?? String(process.pid);
export const templateDatabase = (): string => `mt_test_${runId()}_template`;

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
