// Does a global feed return every acknowledged event exactly once, in an order consistent
// with the commits? Judged from outside, the same way for every store:
// - each append call is one event, acknowledged with its global position, and the time the
//   call started and the time it returned are known;
// - the feed is the list of positions a reader received, in the order received;
// - consistent with commits (real-time order): an event whose append returned before another
//   append was even called must come first in the feed. The commit order inside overlapping
//   calls cannot be seen from outside and is not judged;
// - per stream, versions come in increasing order.

export interface Acknowledged {
  position: number;
  stream: string;
  version: number;
  /** performance.now() when the append was called and when it returned. */
  calledAt: number;
  returnedAt: number;
}

export interface FeedVerdict {
  acknowledged: number;
  received: number;
  /** Deliveries of an acknowledged event beyond its first. */
  duplicates: number;
  /** Acknowledged events the feed never returned. */
  missing: number;
  /** Positions received that no append acknowledged (and not written before the check). */
  unexpected: number;
  /** Events placed after an event whose append was called after theirs had returned. */
  realTimeViolations: number;
  /** Events that came after a later version of their own stream. */
  streamOrderViolations: number;
  ok: boolean;
  /** A few of the missing positions, to look at. */
  missingSample: number[];
}

/** `isEarlier`: positions written before the checked appends (setup, earlier runs), which the feed returns too. */
export function checkFeed(acks: Acknowledged[], received: number[], isEarlier: (position: number) => boolean): FeedVerdict {
  const byPosition = new Map(acks.map((a) => [a.position, a]));
  const delivered = new Map<number, number>();
  let unexpected = 0;
  let realTimeViolations = 0;
  let streamOrderViolations = 0;
  // The latest call time among the events already received: an event that returned before it
  // was placed too late.
  let latestCallSoFar = -Infinity;
  const lastVersion = new Map<string, number>();
  for (const position of received) {
    const ack = byPosition.get(position);
    if (!ack) {
      if (!isEarlier(position)) unexpected++;
      continue;
    }
    const times = (delivered.get(position) ?? 0) + 1;
    delivered.set(position, times);
    if (times > 1) continue;
    if (ack.returnedAt < latestCallSoFar) realTimeViolations++;
    latestCallSoFar = Math.max(latestCallSoFar, ack.calledAt);
    if ((lastVersion.get(ack.stream) ?? -Infinity) > ack.version) streamOrderViolations++;
    lastVersion.set(ack.stream, Math.max(lastVersion.get(ack.stream) ?? -Infinity, ack.version));
  }
  const duplicates = [...delivered.values()].reduce((sum, n) => sum + n - 1, 0);
  const missingPositions = acks.filter((a) => !delivered.has(a.position)).map((a) => a.position);
  return {
    acknowledged: acks.length,
    received: received.length,
    duplicates,
    missing: missingPositions.length,
    unexpected,
    realTimeViolations,
    streamOrderViolations,
    ok: duplicates === 0 && missingPositions.length === 0 && unexpected === 0 && realTimeViolations === 0 && streamOrderViolations === 0,
    missingSample: missingPositions.slice(0, 10),
  };
}

export const describeVerdict = (v: FeedVerdict) =>
  `${v.ok ? 'OK' : 'FAILED'}: ${v.acknowledged} acknowledged, ${v.received} received, ${v.missing} missing, ${v.duplicates} duplicated, ` +
  `${v.unexpected} unexpected, ${v.realTimeViolations} out of real-time order, ${v.streamOrderViolations} out of stream order` +
  (v.missing ? ` (missing e.g. ${v.missingSample.join(', ')})` : '');

/**
 * Runs `during` (the concurrent appends), then waits until `received` (filled by a feed
 * reader meanwhile) stops growing for `quietMs`: the reader has seen all it will see.
 */
export async function untilQuiet(during: () => Promise<unknown>, received: readonly unknown[], quietMs: number): Promise<void> {
  await during();
  let count = -1;
  while (count !== received.length) {
    count = received.length;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}
