// API keys in PostgreSQL (through Prisma). Keys are looked up by the hash of the secret.
//
// Lookups are cached per process, because one query per request would cost more than the
// append itself. A revocation NOTIFYs every process, which drops its cache at once; a short
// TTL bounds staleness should a notification be lost with its connection.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Database, DATABASE, PgListener } from '@app/database';
import { generateApiKey, hashApiKey } from './api-key-hash';
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
const CACHE_MAX_ENTRIES = 10_000;

@Injectable()
export class ApiKeysRepository implements OnModuleInit {
  private readonly cache = new Map<string, { principal: Principal | null; expires: number }>();

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly listener: PgListener,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listener.subscribe(API_KEYS_CHANGED_CHANNEL, () => this.cache.clear());
    this.listener.onReconnect(() => this.cache.clear());
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
    const { count } = await this.database.prisma.apiKey.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    this.cache.clear();
    if (count > 0) await this.database.pool.query('SELECT pg_notify($1, $2)', [API_KEYS_CHANGED_CHANNEL, id]);
    return count > 0 || (await this.database.prisma.apiKey.count({ where: { id } })) > 0;
  }

  async findActiveByKey(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.expires > Date.now()) return cached.principal;
    const row = await this.database.prisma.apiKey.findUnique({ where: { keyHash: hash } });
    const principal = !row || row.revokedAt ? null : { id: row.id, name: row.name, role: row.role as Role };
    // Unknown keys are remembered too (briefly), so guessing costs no database queries.
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
    this.cache.set(hash, { principal, expires: Date.now() + CACHE_TTL_MS });
    return principal;
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
