// The dashboard's files (apps/dashboard/public, and uPlot from node_modules), read once at
// start-up and kept in memory with a gzip copy: a handful of small files, served from our own
// origin only (no CDN), so the page works on networks that reach nothing else.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** The repository (or image) root: the nearest folder up from here holding apps/dashboard. */
function findRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'apps', 'dashboard', 'public'))) return dir;
  }
  throw new Error('apps/dashboard/public not found above ' + __dirname);
}

function asset(path: string): Asset {
  const body = readFileSync(path);
  return { body, gzip: gzipSync(body, { level: 9 }), contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' };
}

/** File name → asset, for every file the page may ask for (nothing else is served). */
export function loadDashboardAssets(): Map<string, Asset> {
  const publicDir = join(findRoot(), 'apps', 'dashboard', 'public');
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(publicDir)) assets.set(name, asset(join(publicDir, name)));
  const uplot = dirname(require.resolve('uplot/package.json'));
  assets.set('uPlot.iife.min.js', asset(join(uplot, 'dist', 'uPlot.iife.min.js')));
  assets.set('uPlot.min.css', asset(join(uplot, 'dist', 'uPlot.min.css')));
  return assets;
}
