// The benchmark's databases on the server of DATABASE_URL: all named <prefix>..., created
// from a migrated template (a file copy: no migration run per database) and dropped at the end.
import { Client } from 'pg';

export class BenchDatabases {
  private readonly created: string[] = [];

  constructor(
    private readonly baseUrl: string,
    readonly prefix: string,
  ) {}

  url(name: string): string {
    const url = new URL(this.baseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  get adminUrl(): string {
    return this.url('postgres');
  }

  /** `<prefix>_<suffix>`, a copy of `template` (which must have no connections), or empty when no template. */
  async create(suffix: string, template?: string): Promise<{ name: string; url: string }> {
    const name = `${this.prefix}_${suffix}`;
    await this.admin((client) =>
      client.query(template ? `CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY` : `CREATE DATABASE "${name}"`),
    );
    this.created.push(name);
    return { name, url: this.url(name) };
  }

  async drop(name: string): Promise<void> {
    await this.admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
    const index = this.created.indexOf(name);
    if (index >= 0) this.created.splice(index, 1);
  }

  /** Drops every database this object created (the main one is dropped by its owner). */
  async dropAll(): Promise<void> {
    for (const name of [...this.created].reverse()) await this.drop(name);
  }

  private async admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}
