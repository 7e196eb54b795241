import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, Database } from '@app/database';
import { ADMIN_DATABASE_URL, databaseUrl, runId, templateDatabase } from './environment';

export interface TestDatabase extends Database {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of the suite's own, cloned from the template. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `mt_test_${runId()}_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const database = createDatabase(url, 30);
  return {
    ...database,
    url,
    name,
    async drop() {
      await database.close();
      const client = new Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end());
    },
  };
}
