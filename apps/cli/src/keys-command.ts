// `keys create|list|revoke`: API keys (admin).
import { ApiClient, Role } from './api-client';
import { table } from './table';

export async function createKey(client: ApiClient, name: string, role: Role, print: (line: string) => void): Promise<void> {
  const created = await client.createApiKey(name, role);
  print(`created ${created.role} key "${created.name}" (id ${created.id})`);
  print(`key: ${created.key}`);
  print('the key is shown only now: store it');
}

export async function listKeys(client: ApiClient, print: (line: string) => void): Promise<void> {
  const keys = await client.listApiKeys();
  if (keys.length === 0) return print('no API keys (only BOOTSTRAP_ADMIN_KEY, if set)');
  const rows = keys.map((k) => [k.id, k.name, k.role, k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active']);
  for (const line of table(['id', 'name', 'role', 'created', 'state'], rows)) print(line);
}

export async function revokeKey(client: ApiClient, id: string, print: (line: string) => void): Promise<void> {
  await client.revokeApiKey(id);
  print(`revoked key ${id}: it stops working at once`);
}
