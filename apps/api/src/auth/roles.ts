export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** viewer < operator < admin: a role may do everything the roles below it may. */
export function roleAllows(held: Role, required: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(required);
}

export interface Principal {
  /** The API key's id ("bootstrap" for BOOTSTRAP_ADMIN_KEY); scopes idempotency keys. */
  id: string;
  /** The API key's name; recorded as metadata.actor on appended events. */
  name: string;
  role: Role;
}

/** BOOTSTRAP_ADMIN_KEY's principal: it has no row in api_keys. */
export const BOOTSTRAP_PRINCIPAL: Principal = { id: 'bootstrap', name: 'bootstrap-admin', role: 'admin' };
