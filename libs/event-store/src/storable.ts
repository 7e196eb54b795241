// The last check before the log: text PostgreSQL's jsonb would refuse, and instants outside
// what timestamptz and ISO 8601 share. Validation in @app/domain refuses these first with
// field-level messages; this keeps one bad request from failing a group-commit batch it
// shares with others, whoever calls the store.
import { AppendCommand } from '@app/domain';
import { UnstorableEventError } from './append-errors';

const FIRST_INSTANT = Date.UTC(1900, 0, 1);
const LAST_INSTANT = Date.UTC(10000, 0, 1) - 1;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where in `value` a string (or key) holds NUL or a lone surrogate, or null. Iterative: any depth. */
function findUnstorableText(value: unknown, root: string): string | null {
  const pending: Array<[unknown, string]> = [[value, root]];
  const bad = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);
  while (pending.length > 0) {
    const [current, path] = pending.pop()!;
    if (typeof current === 'string') {
      if (bad(current)) return path;
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push([item, `${path}[${index}]`]));
    } else if (current && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        if (bad(key)) return `${path} (a key)`;
        pending.push([item, `${path}.${key}`]);
      }
    }
  }
  return null;
}

export function assertStorable(command: AppendCommand): void {
  command.events.forEach((event, index) => {
    const at = `events[${index}]`;
    const time = event.occurredAt.getTime();
    if (!(time >= FIRST_INSTANT && time <= LAST_INSTANT)) {
      throw new UnstorableEventError(`${at}.occurredAt`, 'must be between 1900-01-01 and 9999-12-31 in UTC');
    }
    const path = findUnstorableText(event.data, `${at}.data`) ?? findUnstorableText(event.metadata, `${at}.metadata`);
    if (path) throw new UnstorableEventError(path, 'must not contain NUL characters or unpaired surrogates');
  });
}
