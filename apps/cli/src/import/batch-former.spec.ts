// Batches of an import file: per mission, in file order, within the API's limits.
import { EventToAppend } from '../api-client';
import { Batch, BatchFormer, BatchLimits } from './batch-former';

const event = (n: number): EventToAppend => ({ type: 'PersonnelPledged', occurredAt: '2024-01-01', data: { country: 'KEN', personnel: n } });

/** Feeds `missions[i]` as line i+1 and returns every batch in the order it closed. */
function cut(missions: string[], limits: BatchLimits): Batch[] {
  const counts = new Map<string, number>();
  for (const m of missions) counts.set(m, (counts.get(m) ?? 0) + 1);
  const former = new BatchFormer(counts, limits);
  const batches = missions.flatMap((m, i) => former.add(m, event(i + 1), i + 1));
  return [...batches, ...former.flush()];
}

const LIMITS: BatchLimits = { maxEvents: 3, maxBytes: 1_000_000, maxBuffered: 100 };

describe('BatchFormer', () => {
  it('cuts each mission into batches of at most maxEvents, in file order, closing a mission at its last line', () => {
    const batches = cut(['a', 'b', 'a', 'a', 'a', 'b', 'a'], LIMITS);
    expect(batches.map((b) => [b.missionId, b.ordinal, b.lines])).toEqual([
      ['a', 0, [1, 3, 4]],
      ['b', 0, [2, 6]],
      ['a', 1, [5, 7]],
    ]);
  });

  it('closes a batch before it would exceed maxBytes', () => {
    const bytes = Buffer.byteLength(JSON.stringify(event(1))) + 1;
    const batches = cut(['a', 'a', 'a', 'a', 'a'], { maxEvents: 1000, maxBytes: bytes * 2, maxBuffered: 100 });
    expect(batches.map((b) => b.lines)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('holds at most maxBuffered events, closing the oldest open batch early', () => {
    const batches = cut(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c'], { maxEvents: 1000, maxBytes: 1_000_000, maxBuffered: 4 });
    expect(batches.map((b) => [b.missionId, b.ordinal, b.lines])).toEqual([
      ['a', 0, [1, 4]], // closed at line 5, the fifth event held
      ['a', 1, [7]],
      ['b', 0, [2, 5, 8]],
      ['c', 0, [3, 6, 9]],
    ]);
  });
});
