// A failure the CLI explains in one line (and exits non-zero for): no stack trace for the user.
import { ApiError, UnreachableError } from './api-client';

export const EXIT_FAILURE = 1;
/** Bad arguments (commander's own errors exit with this too). */
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    /** Lines printed before the reason (each bad line of a file, each refused field). */
    readonly details: string[] = [],
    readonly exitCode = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** The one-line reason for anything a command threw. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof UnreachableError) return new CliError(error.message);
  if (error instanceof ApiError) {
    const hint = authHint(error.status);
    const details = (error.problem.errors ?? []).map(({ path, message }) => `${path}: ${message}`);
    return new CliError(`HTTP ${error.status}: ${error.message}${hint}`, details);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(message.split('\n')[0]);
}

/** What to do about a refused key, after the server's own reason. */
export function authHint(status: number): string {
  if (status === 401) return ' (check --key or MT_API_KEY)';
  if (status === 403) return " (this key's role may not do that)";
  return '';
}
