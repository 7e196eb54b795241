// The per-process cache of credential lookups (API keys, dashboard sessions). Bounded, the
// least recently used entry going first, and with unknown credentials kept apart: a stream
// of made-up keys only ever evicts other made-up keys, never a real one (a cache that simply
// emptied itself when full sent every real key back to the database).

/** A Map in least-recently-used order, holding at most `max` entries, each until its expiry. */
class LruMap<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly max: number) {}

  get(key: string, now: number): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= now) return undefined;
    this.entries.set(key, entry); // now the most recently used
    return { value: entry.value };
  }

  set(key: string, value: V, expires: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires });
    // A Map iterates in insertion order: the first key is the least recently used.
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface LookupCacheLimits {
  /** Credentials that resolved to a principal. */
  maxKnown: number;
  /** Credentials that resolved to nothing (remembered so that a client retrying a bad key costs no query). */
  maxUnknown: number;
}

export class LookupCache<V> {
  private readonly known: LruMap<V>;
  private readonly unknown: LruMap<null>;

  constructor(limits: LookupCacheLimits) {
    this.known = new LruMap(limits.maxKnown);
    this.unknown = new LruMap(limits.maxUnknown);
  }

  /** The cached answer (a value, or null for "no such credential"), or undefined when not cached. */
  get(key: string, now = Date.now()): { value: V | null } | undefined {
    return this.known.get(key, now) ?? this.unknown.get(key, now);
  }

  set(key: string, value: V | null, expires: number): void {
    // One answer per key: a credential that changed sides leaves no stale copy on the other.
    if (value === null) {
      this.known.delete(key);
      this.unknown.set(key, null, expires);
    } else {
      this.unknown.delete(key);
      this.known.set(key, value, expires);
    }
  }

  clear(): void {
    this.known.clear();
    this.unknown.clear();
  }

  get size(): { known: number; unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }
}
