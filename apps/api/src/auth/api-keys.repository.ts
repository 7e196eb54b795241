// API keys in PostgreSQL (through Prisma). Keys are looked up by the hash of the secret.
//
// Lookups are cached per process, because one query per request would cost more than the
// append itself. A revocation NOTIFYs every process in the revoking transaction (delivered at
// its commit), which drops its cache at once; a lookup that was in flight when the
// notification arrived is not cached (it may have read the row before the commit). A short
// TTL bounds staleness should a notification be lost with its connection.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Database, DATABASE, PgListener } from '@app/database';
import { generateApiKey, hashApiKey } from './api-key-hash';
import { LookupCache } from './lookup-cache';
import { Principal, Role } from './roles';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

export const API_KEYS_CHANGED_CHANNEL = 'api_keys_changed';
const CACHE_TTL_MS = 10_000;
/** Real keys (a process rarely sees more) and unknown ones, kept apart so guesses never evict real keys. */
export const API_KEY_CACHE_LIMITS = { maxKnown: 10_000, maxUnknown: 1_000 };

@Injectable()
export class ApiKeysRepository implements OnModuleInit {
  private readonly cache = new LookupCache<Principal>(API_KEY_CACHE_LIMITS);
  /** Bumped by every invalidation: a lookup caches its answer only if none came meanwhile. */
  private epoch = 0;

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly listener: PgListener,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listener.subscribe(API_KEYS_CHANGED_CHANNEL, () => this.invalidate());
    this.listener.onReconnect(() => this.invalidate());
  }

  async create(name: string, role: Role): Promise<ApiKeyView & { key: string }> {
    const key = generateApiKey();
    const row = await this.database.prisma.apiKey.create({
      data: { id: randomUUID(), name, role, keyHash: hashApiKey(key) },
    });
    return { ...toView(row), key };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.database.prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map(toView);
  }

  /** False when there is no such key. Revoking twice is harmless. */
  async revoke(id: string): Promise<boolean> {
    // One statement: the revocation and its NOTIFY commit together, so no process can hear of
    // it before it is visible, nor miss it once it is.
    const { rows } = await this.database.pool.query<{ found: boolean; revoked: boolean }>(
      `WITH revoked AS (UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id),
            notified AS (SELECT pg_notify($2, id::text) FROM revoked)
       SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1) AS found, (SELECT count(*) FROM notified) > 0 AS revoked`,
      [id, API_KEYS_CHANGED_CHANNEL],
    );
    this.invalidate();
    return rows[0].found;
  }

  /** Drops every cached lookup, and marks lookups in flight as not to be cached. */
  invalidate(): void {
    this.epoch++;
    this.cache.clear();
  }

  async findActiveByKey(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached) return cached.value;
    const epoch = this.epoch;
    const row = await this.findByHash(hash);
    const principal = !row || row.revokedAt ? null : { id: row.id, name: row.name, role: row.role as Role };
    if (epoch !== this.epoch) return principal; // a revocation arrived meanwhile: this answer may predate it
    // Unknown keys are remembered too (briefly, and apart from real ones), so a client
    // retrying a bad key costs no database queries.
    this.cache.set(hash, principal, Date.now() + CACHE_TTL_MS);
    return principal;
  }

  private findByHash(hash: string) {
    return this.database.prisma.apiKey.findUnique({ where: { keyHash: hash } });
  }
}

function toView(row: { id: string; name: string; role: string; createdAt: Date; revokedAt: Date | null }): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
