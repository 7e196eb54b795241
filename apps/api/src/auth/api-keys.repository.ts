// API keys in PostgreSQL (through Prisma). Keys are looked up by the hash of the secret.
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Database, DATABASE } from '@app/database';
import { generateApiKey, hashApiKey } from './api-key-hash';
import { Principal, Role } from './roles';

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

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
      where: { id },
      data: { revokedAt: new Date() },
    });
    return count > 0;
  }

  async findActiveByKey(key: string): Promise<Principal | null> {
    const row = await this.database.prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) } });
    if (!row || row.revokedAt) return null;
    return { id: row.id, name: row.name, role: row.role as Role };
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
