import { MAX_CACHED_MISSIONS, ProjectionStateCache } from './state-cache';

describe('ProjectionStateCache', () => {
  it('gives back what was committed while the checkpoint is where that commit left it', () => {
    const cache = new ProjectionStateCache();
    cache.committed('personnel', 1, 0, 0, 10, new Map([['m1', 'a']]));
    expect(cache.valid('personnel', 1, 0, 10)).toEqual(new Map([['m1', 'a']]));
    cache.committed('personnel', 1, 0, 10, 12, new Map([['m2', 'b']]));
    expect(cache.valid('personnel', 1, 0, 12)).toEqual(new Map([['m1', 'a'], ['m2', 'b']]));
  });

  it('drops the entry when the checkpoint moved elsewhere (another runner stepped)', () => {
    const cache = new ProjectionStateCache();
    cache.committed('personnel', 1, 0, 0, 10, new Map([['m1', 'a']]));
    expect(cache.valid('personnel', 1, 0, 15)).toBeUndefined();
    expect(cache.valid('personnel', 1, 0, 10)).toBeUndefined(); // gone, not merely hidden
  });

  it('starts afresh from a commit that did not begin where the entry ended', () => {
    const cache = new ProjectionStateCache();
    cache.committed('personnel', 1, 0, 0, 10, new Map([['m1', 'a']]));
    cache.committed('personnel', 1, 0, 15, 20, new Map([['m2', 'b']]));
    expect(cache.valid('personnel', 1, 0, 20)).toEqual(new Map([['m2', 'b']]));
  });

  it('keeps generations and partitions apart, and forgets generations no longer current', () => {
    const cache = new ProjectionStateCache();
    cache.keepOnly(1, 0, []); // the stored count, as a step reads it first
    cache.committed('personnel', 1, 0, 0, 10, new Map([['m1', 'live']]));
    cache.committed('personnel', 2, 0, 0, 4, new Map([['m1', 'building']]));
    cache.committed('personnel', 1, 1, 0, 10, new Map([['m9', 'other partition']]));
    expect(cache.valid('personnel', 2, 0, 4)).toEqual(new Map([['m1', 'building']]));
    cache.keepOnly(1, 0, [{ name: 'personnel', generation: 2 }]);
    expect(cache.valid('personnel', 1, 0, 10)).toBeUndefined();
    expect(cache.valid('personnel', 2, 0, 4)).toBeDefined();
    expect(cache.valid('personnel', 1, 1, 10)).toBeDefined();
  });

  it('holds at most MAX_CACHED_MISSIONS missions per entry', () => {
    const cache = new ProjectionStateCache();
    const many = new Map(Array.from({ length: MAX_CACHED_MISSIONS + 1 }, (_, i) => [`m${i}`, i] as [string, number]));
    cache.committed('funding', 1, 0, 0, 10, many);
    expect(cache.valid('funding', 1, 0, 10)).toBeUndefined();
  });

  it('forgets everything when the stored partition count changes', () => {
    const cache = new ProjectionStateCache();
    cache.keepOnly(4, 1, []);
    cache.committed('personnel', 1, 1, 0, 10, new Map([['m1', 'a']]));
    cache.keepOnly(4, 2, []);
    expect(cache.valid('personnel', 1, 1, 10)).toBeDefined();
    cache.keepOnly(8, 2, []);
    expect(cache.valid('personnel', 1, 1, 10)).toBeUndefined();
  });
});
