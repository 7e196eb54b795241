import { partitionOf } from './partition';

describe('partitionOf', () => {
  it('is 0 for every mission when there is one partition', () => {
    expect(['mss-haiti', 'x', ''].map((id) => partitionOf(id, 1))).toEqual([0, 0, 0]);
  });

  it('is stable: values a stored log depends on (md5 "mss-haiti" = 7c9918cf…, "mission-1" = bc3f8bcb…)', () => {
    expect(partitionOf('mss-haiti', 4)).toBe(0x7c9918cf % 4);
    expect(partitionOf('mss-haiti', 7)).toBe(5);
    // The top bit set: read as unsigned, as PostgreSQL's bit(32)::bigint does.
    expect(partitionOf('mission-1', 4)).toBe(3);
    expect(partitionOf('mission-1', 7)).toBe(2);
  });

  it('spreads missions over the partitions', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[partitionOf(`mission-${i}`, 4)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it.each([0, -1, 1.5, NaN])('refuses %s partitions', (n) => {
    expect(() => partitionOf('mss-haiti', n)).toThrow(RangeError);
  });
});
