import { LookupCache } from './lookup-cache';

describe('LookupCache', () => {
  const NOW = 1_000;
  const LATER = NOW + 10_000;

  it('evicts the least recently used real entry when full, never one just read', () => {
    const cache = new LookupCache<string>({ maxKnown: 2, maxUnknown: 2 });
    cache.set('a', 'A', LATER);
    cache.set('b', 'B', LATER);
    expect(cache.get('a', NOW)).toEqual({ value: 'A' }); // a is now the most recent
    cache.set('c', 'C', LATER);
    expect([cache.get('a', NOW), cache.get('b', NOW), cache.get('c', NOW)]).toEqual([{ value: 'A' }, undefined, { value: 'C' }]);
  });

  it('keeps unknown entries apart: however many, they never evict a real one', () => {
    const cache = new LookupCache<string>({ maxKnown: 2, maxUnknown: 3 });
    cache.set('real', 'R', LATER);
    for (let i = 0; i < 100; i++) cache.set(`guess-${i}`, null, LATER);
    expect(cache.get('real', NOW)).toEqual({ value: 'R' });
    expect(cache.get('guess-99', NOW)).toEqual({ value: null });
    expect(cache.size).toEqual({ known: 1, unknown: 3 });
  });

  it('forgets an entry at its expiry, and everything on clear', () => {
    const cache = new LookupCache<string>({ maxKnown: 2, maxUnknown: 2 });
    cache.set('a', 'A', NOW + 5);
    cache.set('b', null, LATER);
    expect(cache.get('a', NOW + 5)).toBeUndefined();
    cache.clear();
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('holds one answer per key: a key that turns unknown loses its principal', () => {
    const cache = new LookupCache<string>({ maxKnown: 2, maxUnknown: 2 });
    cache.set('k', 'K', LATER);
    cache.set('k', null, LATER);
    expect(cache.get('k', NOW)).toEqual({ value: null });
    expect(cache.size).toEqual({ known: 0, unknown: 1 });
  });
});
