// The Docker files read as a reviewer would, since no Docker engine runs here: the image on
// Node.js 24 LTS, every base image pinned, the API's health check on readiness, no default
// password, and the secrets passed as files (*_FILE), which our configuration reads.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@app/config';

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** A reference pinned to one release: a digest, or a tag with an exact version (16.9, 7.4.2, 24.20.0-trixie-slim). */
function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /^[^:@]+:([^@]+)$/.exec(image)?.[1];
  return tag !== undefined && /^\d+\.\d+(\.\d+)?(-[a-z0-9.]+)*$/.test(tag);
}

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  // Continuation lines joined, comments dropped.
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const args = new Map(instructions.filter((l) => /^ARG \w+=/.test(l)).map((l) => l.slice(4).split('=') as [string, string]));
  const bases = instructions.filter((l) => l.startsWith('FROM ')).map((l) => l.split(/\s+/)[1].replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? `<unset ${name}>`));

  it('builds on Node.js 24 (the active LTS) in every stage', () => {
    expect(bases.length).toBeGreaterThanOrEqual(2);
    for (const base of bases) expect(base).toMatch(/^node:24\.\d+\.\d+-/);
  });

  it('pins every base image to one release', () => {
    for (const base of bases) expect({ base, pinned: isPinned(base) }).toEqual({ base, pinned: true });
  });

  it('checks readiness, not mere liveness, and runs unprivileged', () => {
    const healthcheck = instructions.find((l) => l.startsWith('HEALTHCHECK '));
    expect(healthcheck).toContain('/health/ready');
    expect(instructions).toContain('USER node');
  });
});

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  const compose = parse(text, { merge: true }) as {
    services: Record<string, { image?: string; build?: unknown; environment?: Record<string, string>; secrets?: string[]; healthcheck?: { test?: string[]; disable?: boolean } }>;
    secrets: Record<string, { file?: string; environment?: string }>;
  };
  const services = compose.services;

  it('pins the images it pulls to one release', () => {
    const pulled = Object.entries(services).filter(([, s]) => !s.build);
    expect(pulled.map(([name]) => name).sort()).toEqual(['postgres', 'redis']);
    for (const [name, service] of pulled) expect({ name, image: service.image, pinned: isPinned(service.image ?? '') }).toEqual({ name, image: service.image, pinned: true });
  });

  it("checks the API's readiness (/health/ready)", () => {
    expect(services.api.healthcheck?.test?.join(' ')).toContain('/health/ready');
  });

  it('has no default password: PostgreSQL reads its password from a secret file', () => {
    expect(text).not.toMatch(/PASSWORD[^\n]*:-/); // no ${...PASSWORD:-default} anywhere
    expect(services.postgres.environment?.POSTGRES_PASSWORD).toBeUndefined();
    expect(services.postgres.environment?.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(services.postgres.secrets).toContain('postgres_password');
  });

  it('gives DATABASE_URL and BOOTSTRAP_ADMIN_KEY to our containers only as secret files (*_FILE)', () => {
    const ours = Object.entries(services).filter(([, s]) => s.build);
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'worker']);
    for (const [name, service] of ours) {
      const env = service.environment ?? {};
      expect({ name, DATABASE_URL: env.DATABASE_URL, BOOTSTRAP_ADMIN_KEY: env.BOOTSTRAP_ADMIN_KEY }).toEqual({ name, DATABASE_URL: undefined, BOOTSTRAP_ADMIN_KEY: undefined });
      expect({ name, file: env.DATABASE_URL_FILE }).toEqual({ name, file: '/run/secrets/database_url' });
      expect(service.secrets).toContain('database_url');
    }
    expect(services.api.environment?.BOOTSTRAP_ADMIN_KEY_FILE).toBe('/run/secrets/bootstrap_admin_key');
    expect(services.api.secrets).toContain('bootstrap_admin_key');
  });

  it('declares each secret a service mounts, from a file that is ignored by git and by the image build', () => {
    const used = new Set(Object.values(services).flatMap((s) => s.secrets ?? []));
    expect([...used].sort()).toEqual(Object.keys(compose.secrets).sort());
    for (const [name, secret] of Object.entries(compose.secrets)) expect({ name, file: secret.file }).toEqual({ name, file: `./secrets/${name}` });
    expect(read('.gitignore')).toMatch(/^secrets\/?$/m);
    expect(read('.dockerignore')).toMatch(/^secrets\/?$/m);
  });

  it('scripts/docker-secrets.sh writes files that PostgreSQL and our configuration agree on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mt-docker-secrets-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      copyFileSync(join(ROOT, 'scripts', 'docker-secrets.sh'), join(dir, 'scripts', 'docker-secrets.sh'));
      execFileSync('sh', [join(dir, 'scripts', 'docker-secrets.sh')], { stdio: 'pipe' });
      const secret = (name: string) => join(dir, 'secrets', name);
      const config = loadConfig({ DATABASE_URL_FILE: secret('database_url'), BOOTSTRAP_ADMIN_KEY_FILE: secret('bootstrap_admin_key') });
      const url = new URL(config.DATABASE_URL);
      expect([url.hostname, url.port, url.pathname, url.username]).toEqual(['postgres', '5432', '/missions', 'postgres']);
      expect(url.password).toBe(readFileSync(secret('postgres_password'), 'utf8').trim());
      expect(config.BOOTSTRAP_ADMIN_KEY!.length).toBeGreaterThanOrEqual(16);
      // Run again: nothing is replaced (a re-run must not change a deployed password).
      const before = readFileSync(secret('bootstrap_admin_key'), 'utf8');
      execFileSync('sh', [join(dir, 'scripts', 'docker-secrets.sh')], { stdio: 'pipe' });
      expect(readFileSync(secret('bootstrap_admin_key'), 'utf8')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
