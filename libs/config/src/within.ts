/**
 * The promise, or a rejection once `ms` have passed (the work itself is not cancelled: bound
 * it where it runs too, e.g. with a statement_timeout). The timer never keeps a process alive.
 */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
