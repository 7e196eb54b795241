import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSafeBootstrapKey, ConfigError, LOCAL_ADMIN_KEY, loadConfig } from './config';

describe('configuration', () => {
  describe('scale-out variables', () => {
    it('are off by default', () => {
      const config = loadConfig({});
      expect(config.REDIS_CLUSTER_NODES).toEqual([]);
      expect(config.DATABASE_REPLICA_URLS).toEqual([]);
      expect(config.PROJECTION_PARTITIONS).toBeUndefined();
    });

    it('parse cluster seeds, replica URLs and the partition count', () => {
      const config = loadConfig({
        REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis-b:7001,[::1]:7002',
        DATABASE_REPLICA_URLS: 'postgresql://postgres@replica-1/missions,postgresql://postgres@replica-2/missions',
        PROJECTION_PARTITIONS: '4',
      });
      expect(config.REDIS_CLUSTER_NODES).toEqual([
        { host: '127.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ]);
      expect(config.DATABASE_REPLICA_URLS).toHaveLength(2);
      expect(config.PROJECTION_PARTITIONS).toBe(4);
    });

    it.each([
      ['REDIS_CLUSTER_NODES', '127.0.0.1'],
      ['REDIS_CLUSTER_NODES', 'redis://127.0.0.1:7000'],
      ['DATABASE_REPLICA_URLS', 'replica-1'],
      ['PROJECTION_PARTITIONS', '0'],
      ['PROJECTION_PARTITIONS', '1000'],
    ])('refuses %s=%s', (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
    });
  });

  describe('LIVE_STREAMS_PER_KEY', () => {
    it('defaults to 50 streams per API key; at least 1', () => {
      expect(loadConfig({}).LIVE_STREAMS_PER_KEY).toBe(50);
      expect(loadConfig({ LIVE_STREAMS_PER_KEY: '3' }).LIVE_STREAMS_PER_KEY).toBe(3);
      for (const value of ['0', '-1', '2.5', 'many']) expect(() => loadConfig({ LIVE_STREAMS_PER_KEY: value })).toThrow(/LIVE_STREAMS_PER_KEY/);
    });
  });

  describe('RATE_LIMIT_PER_MINUTE', () => {
    it('defaults to 6000 per API key; 0 turns the limit off', () => {
      expect(loadConfig({}).RATE_LIMIT_PER_MINUTE).toBe(6000);
      expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE).toBe(0);
    });

    it.each(['-1', '1.5', 'lots'])('refuses %s', (value) => {
      expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: value })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('allows no origin by default', () => {
      expect(loadConfig({}).CORS_ORIGINS).toEqual([]);
    });

    it('is a comma-separated list of origins', () => {
      expect(loadConfig({ CORS_ORIGINS: 'https://dash.example.org, http://localhost:5173,' }).CORS_ORIGINS).toEqual([
        'https://dash.example.org',
        'http://localhost:5173',
      ]);
    });

    it.each(['dash.example.org', 'https://dash.example.org/', 'https://dash.example.org/app', '*'])('refuses %s, which is no origin', (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS.*scheme, host and port only/);
    });
  });

  describe('TRUST_PROXY', () => {
    it('trusts no proxy by default', () => {
      expect(loadConfig({}).TRUST_PROXY).toEqual([]);
    });

    it('is a comma-separated list of addresses, ranges and range names', () => {
      expect(loadConfig({ TRUST_PROXY: '10.0.0.5, 10.0.0.0/8,fd00::/8,::1, loopback,uniquelocal,' }).TRUST_PROXY).toEqual([
        '10.0.0.5',
        '10.0.0.0/8',
        'fd00::/8',
        '::1',
        'loopback',
        'uniquelocal',
      ]);
    });

    it.each(['true', '*', '2', 'proxy.internal', '10.0.0.256', '10.0.0.0/33', '::/129', '10.0.0.0/8/8', '10.0.0.0/'])('refuses %s', (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY.*IP address/);
    });
  });

  describe('BOOTSTRAP_ADMIN_KEY', () => {
    it.each(['0.0.0.0', '::', '10.0.0.5'])('refuses a published development key on %s', (HOST) => {
      for (const key of [LOCAL_ADMIN_KEY, 'change-me-please-0123456789']) {
        expect(() => assertSafeBootstrapKey(loadConfig({ BOOTSTRAP_ADMIN_KEY: key, HOST }))).toThrow(/published development key.*refusing to listen/);
      }
    });

    it.each(['127.0.0.1', '::1', 'localhost'])('allows it on the loopback interface %s', (HOST) => {
      expect(() => assertSafeBootstrapKey(loadConfig({ BOOTSTRAP_ADMIN_KEY: LOCAL_ADMIN_KEY, HOST }))).not.toThrow();
    });

    it('allows a secret of your own anywhere, and no key at all', () => {
      expect(() => assertSafeBootstrapKey(loadConfig({ BOOTSTRAP_ADMIN_KEY: 'a-secret-of-our-own-0123456789', HOST: '0.0.0.0' }))).not.toThrow();
      expect(() => assertSafeBootstrapKey(loadConfig({ HOST: '0.0.0.0' }))).not.toThrow();
    });
  });
});

// Docker/Compose secrets: NAME_FILE names a file holding the value.
describe('configuration from files (NAME_FILE)', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mt-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads BOOTSTRAP_ADMIN_KEY_FILE, DATABASE_URL_FILE and REDIS_URL_FILE, without the final newline', () => {
    const config = loadConfig({
      BOOTSTRAP_ADMIN_KEY_FILE: file('key', 'a-secret-admin-key-0123456789\n'),
      DATABASE_URL_FILE: file('db', 'postgresql://postgres:s3cret@db.internal:5432/missions\r\n'),
      REDIS_URL_FILE: file('redis', 'redis://:pw@redis.internal:6379'),
    });
    expect(config.BOOTSTRAP_ADMIN_KEY).toBe('a-secret-admin-key-0123456789');
    expect(config.DATABASE_URL).toBe('postgresql://postgres:s3cret@db.internal:5432/missions');
    expect(config.REDIS_URL).toBe('redis://:pw@redis.internal:6379');
  });

  it('validates a value read from a file like one from the environment', () => {
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_KEY_FILE: file('key', 'short\n') })).toThrow(/BOOTSTRAP_ADMIN_KEY: must be at least 16 characters/);
  });

  it('refuses both NAME and NAME_FILE, naming them', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://a/b', DATABASE_URL_FILE: file('db', 'postgresql://c/d') })).toThrow(
      new ConfigError('invalid configuration: DATABASE_URL and DATABASE_URL_FILE are both set; set one of them'),
    );
  });

  it('says which file it cannot read', () => {
    const missing = join(dir, 'nope');
    expect(() => loadConfig({ BOOTSTRAP_ADMIN_KEY_FILE: missing })).toThrow(`BOOTSTRAP_ADMIN_KEY_FILE: cannot read ${missing} (ENOENT)`);
  });

  it('ignores an empty NAME_FILE (the default applies)', () => {
    expect(loadConfig({ DATABASE_URL_FILE: '' }).DATABASE_URL).toBe('postgresql://postgres@127.0.0.1:5432/missions');
  });
});
