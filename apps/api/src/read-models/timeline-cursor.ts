// The timeline's `next` in date order: an opaque cursor (CONTRACT section 10) holding the
// last item's occurredAt and position. Opaque to clients (base64url), checked when it comes back.
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,15})$/;

export function encodeTimelineCursor(item: { occurredAt: string; position: number }): string {
  return Buffer.from(`${item.occurredAt}|${item.position}`).toString('base64url');
}

/** The cursor's place, or null when it is not one this server gave. */
export function decodeTimelineCursor(cursor: string): { occurredAt: string; position: number } | null {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(cursor)) return null;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString());
  return match && Number.isFinite(Date.parse(match[1])) ? { occurredAt: match[1], position: Number(match[2]) } : null;
}
