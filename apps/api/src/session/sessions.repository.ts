// Dashboard sessions in PostgreSQL (the `sessions` table is this module's). A session is only
// a pointer to its API key: every lookup joins the key, so a revoked key's sessions stop at once.
//
// Lookups are cached per process like API keys (see auth/api-keys.repository.ts), and dropped
// by the same NOTIFY that a revocation sends, and by the one a sign-out sends; a lookup in
// flight during an invalidation is not cached.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@app/config';
import { Database, DATABASE, PgListener } from '@app/database';
import { hashApiKey } from '../auth/api-key-hash';
import { API_KEY_CACHE_LIMITS, API_KEYS_CHANGED_CHANNEL } from '../auth/api-keys.repository';
import { LookupCache } from '../auth/lookup-cache';
import { BOOTSTRAP_PRINCIPAL, Principal, Role } from '../auth/roles';
import { generateSessionToken, SESSION_TTL_SECONDS } from './session-cookie';

export const SESSIONS_CHANGED_CHANNEL = 'sessions_changed';
const CACHE_TTL_MS = 10_000;

/** Whose session to open: an API key's id, or the bootstrap admin key. */
export type SessionOwner = { apiKeyId: string } | { bootstrap: true };

@Injectable()
export class SessionsRepository implements OnModuleInit {
  private readonly cache = new LookupCache<Principal>(API_KEY_CACHE_LIMITS);
  private epoch = 0;

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly listener: PgListener,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listener.subscribe(API_KEYS_CHANGED_CHANNEL, () => this.invalidate());
    await this.listener.subscribe(SESSIONS_CHANGED_CHANNEL, () => this.invalidate());
    this.listener.onReconnect(() => this.invalidate());
  }

  /** Opens a session and returns its token (only its hash is stored). Drops expired sessions. */
  async open(owner: SessionOwner): Promise<string> {
    const token = generateSessionToken();
    const bootstrap = 'bootstrap' in owner && this.config.BOOTSTRAP_ADMIN_KEY ? hashApiKey(this.config.BOOTSTRAP_ADMIN_KEY) : null;
    const apiKeyId = 'apiKeyId' in owner ? owner.apiKeyId : null;
    await this.database.pool.query(`DELETE FROM sessions WHERE expires_at < now()`);
    await this.database.pool.query(
      `INSERT INTO sessions (token_hash, api_key_id, bootstrap_digest, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [hashApiKey(token), apiKeyId, bootstrap, SESSION_TTL_SECONDS],
    );
    return token;
  }

  /** Ends a session everywhere: the delete and its NOTIFY commit together. */
  async close(token: string): Promise<void> {
    await this.database.pool.query(
      `WITH closed AS (DELETE FROM sessions WHERE token_hash = $1 RETURNING 1)
       SELECT pg_notify($2, '') FROM closed`,
      [hashApiKey(token), SESSIONS_CHANGED_CHANNEL],
    );
    this.invalidate();
  }

  invalidate(): void {
    this.epoch++;
    this.cache.clear();
  }

  /** The principal of a live session whose key is still active, else null. */
  async findPrincipal(token: string): Promise<Principal | null> {
    const hash = hashApiKey(token);
    const cached = this.cache.get(hash);
    if (cached) return cached.value;
    const epoch = this.epoch;
    const { rows } = await this.database.pool.query<{ id: string | null; name: string | null; role: string | null; revoked: boolean; bootstrap_digest: string | null; expires_in_ms: number }>(
      `SELECT k.id, k.name, k.role, k.revoked_at IS NOT NULL AS revoked, s.bootstrap_digest,
              (extract(epoch FROM s.expires_at - now()) * 1000)::float8 AS expires_in_ms
         FROM sessions s LEFT JOIN api_keys k ON k.id = s.api_key_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`,
      [hash],
    );
    const principal = rows[0] ? this.toPrincipal(rows[0]) : null;
    if (epoch !== this.epoch) return principal;
    const ttl = Math.min(CACHE_TTL_MS, rows[0]?.expires_in_ms ?? CACHE_TTL_MS);
    this.cache.set(hash, principal, Date.now() + ttl);
    return principal;
  }

  private toPrincipal(row: { id: string | null; name: string | null; role: string | null; revoked: boolean; bootstrap_digest: string | null }): Principal | null {
    if (row.bootstrap_digest !== null) {
      const bootstrap = this.config.BOOTSTRAP_ADMIN_KEY;
      return bootstrap && hashApiKey(bootstrap) === row.bootstrap_digest ? BOOTSTRAP_PRINCIPAL : null;
    }
    if (row.id === null || row.revoked) return null;
    return { id: row.id, name: row.name!, role: row.role as Role };
  }
}
