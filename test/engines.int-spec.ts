// `engines` says what the dependencies actually require: every installed package's own
// `engines.node` accepts the oldest release of each Node line we claim (package.json), except
// the few accepted on purpose below, each with its reason (README, "Dependency pins").
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { satisfies } from 'semver';

const ROOT = join(__dirname, '..');
/** The oldest release of each line package.json's engines.node names. */
const LINES = ['20.19.0', '22.12.0', '24.0.0'];

/**
 * Accepted although their engines field asks for more. content-disposition 3 (ESM only, from
 * @fastify/static 10, which @nestjs/platform-fastify 11 requires) says >=22, yet runs on
 * 20.19+, which loads ES modules through require(); no release that @fastify/static 10 accepts
 * says otherwise (3.0.0 says >=22 too). The whole suite runs on Node 20 and 24 in CI.
 */
const ACCEPTED: Record<string, string> = { 'content-disposition': '>=22' };

function installedPackages(dir = join(ROOT, 'node_modules')): Array<{ name: string; version: string; node?: string }> {
  const found: Array<{ name: string; version: string; node?: string }> = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (entry.startsWith('@')) {
      found.push(...installedPackages(path));
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const json = JSON.parse(readFileSync(manifest, 'utf8'));
      found.push({ name: json.name, version: json.version, node: json.engines?.node });
    }
    if (existsSync(join(path, 'node_modules'))) found.push(...installedPackages(join(path, 'node_modules')));
  }
  return found;
}

describe('engines', () => {
  it('package.json claims the Node lines CI tests (20.19+, 22.12+, 24)', () => {
    const claimed = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
    for (const version of LINES) expect({ version, ok: satisfies(version, claimed) }).toEqual({ version, ok: true });
    for (const version of ['20.18.0', '22.11.0', '23.0.0']) expect({ version, ok: satisfies(version, claimed) }).toEqual({ version, ok: false });
  });

  it('every installed package accepts each of those lines, but the accepted few', () => {
    const packages = installedPackages();
    expect(packages.length).toBeGreaterThan(100);
    const refusing = packages
      .filter((p) => p.node && LINES.some((version) => !satisfies(version, p.node!)))
      .filter((p) => ACCEPTED[p.name] !== p.node)
      .map((p) => `${p.name}@${p.version} (node ${p.node})`);
    expect(refusing).toEqual([]);
  });
});
