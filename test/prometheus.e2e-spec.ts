// Judges of /metrics nobody here wrote: `promtool check metrics` (Debian's prometheus package)
// lints the text a real API serves, and a real Prometheus server, started here on a free
// loopback port, scrapes the API and answers PromQL queries on the events-appended counter
// and the projection lag. The binaries are not optional: when one is missing the suite fails
// and says how to install it (.ci/run does).
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECTION_NAMES } from '@app/projections';
import { ApiProcess, startApiProcess } from './support/api-process';
import { TEST_REDIS_URL } from './support/environment';
import { established, personnelEvent } from './support/events';
import { expectEventually } from './support/eventually';
import { freeLoopbackPort } from './support/prism-proxy';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startWorker, WorkerProcess } from './support/worker-process';

/** The absolute path of a binary on PATH, or a failure that says how to get it. */
function requireBinary(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: it comes with Debian's "prometheus" package (apt-get install --no-install-recommends prometheus; .ci/run installs it)`);
  }
}

/** promtool's verdict on a metrics text: its exit code and what it printed (lint problems, one a line). */
function promtoolCheck(promtool: string, text: string): { code: number; problems: string[] } {
  try {
    execFileSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    return { code: 0, problems: [] };
  } catch (error) {
    const { status, stdout, stderr } = error as { status: number; stdout: string; stderr: string };
    return { code: status, problems: `${stdout}${stderr}`.split('\n').filter(Boolean) };
  }
}

interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('/metrics judged by promtool and scraped by a real Prometheus', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let worker: WorkerProcess;
  let dir: string;
  let prometheus: ChildProcess | undefined;
  let prometheusOutput = '';
  let prometheusUrl: string;
  const promtool = requireBinary('promtool');
  const prometheusBinary = requireBinary('prometheus');
  const APPENDED = 5;

  /** A PromQL instant query through Prometheus's HTTP API. */
  const query = async (promql: string): Promise<PromSample[]> => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { resultType: string; result: PromSample[] } };
    expect(body.status).toBe('success');
    return body.data.result;
  };

  beforeAll(async () => {
    db = await createTestDatabase('prometheus');
    api = await startApiProcess(db.url);
    worker = await startWorker(db.url, api.redisPrefix);
    const events = [established('Scraped mission'), ...Array.from({ length: APPENDED - 1 }, (_, i) => personnelEvent('PersonnelPledged', 'KEN', i + 1))];
    const appended = await api.request('POST', '/v1/missions/mss-scraped/events', { events });
    expect(appended.status).toBe(201);
    // The projections catch up (the worker folds them); then the lag is 0 on every one.
    await expectEventually(async () => {
      const { body } = await api.request('GET', '/v1/projections');
      expect(body.projections.map((p: { lagEvents: number }) => p.lagEvents)).toEqual(PROJECTION_NAMES.map(() => 0));
    }, 30_000);

    dir = await mkdtemp(join(tmpdir(), 'mt-prometheus-'));
    const port = await freeLoopbackPort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: mission-tracker-api',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${api.port}']`,
    ].join('\n');
    await writeFile(join(dir, 'prometheus.yml'), `${config}\n`);
    prometheus = spawn(
      prometheusBinary,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk) => (prometheusOutput += chunk));
    prometheus.stderr!.on('data', (chunk) => (prometheusOutput += chunk));
    await expectEventually(async () => {
      if (prometheus!.exitCode !== null) throw new Error(`prometheus exited (${prometheus!.exitCode}):\n${prometheusOutput}`);
      expect((await fetch(`${prometheusUrl}/-/ready`)).status).toBe(200);
    }, 60_000, 200);
  }, 180_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await worker?.kill();
    await api?.kill();
    await deleteRedisPrefix({ REDIS_URL: TEST_REDIS_URL }, api?.redisPrefix ?? 'none').catch(() => undefined);
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves metrics promtool accepts: no error, and lint warnings only on prom-client\'s own default metrics', async () => {
    const response = await fetch(`${api.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('mission_tracker_events_appended_total');
    const verdict = promtoolCheck(promtool, text);
    // Exit 1 is an error (text Prometheus cannot parse); 3 is lint problems only.
    expect([0, 3]).toContain(verdict.code);
    // prom-client's default Node.js gauges end in _total, which the naming rules keep for
    // counters; they are prom-client's names, not ours. A problem with any other metric fails.
    expect(verdict.problems).toEqual([
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
    ]);
  });

  it('is scraped by Prometheus, which answers the events appended and the projection lag', async () => {
    await expectEventually(async () => {
      const [up] = await query('up{job="mission-tracker-api"}');
      expect(up?.value[1]).toBe('1');
    }, 60_000, 250);
    const [appended] = await query('mission_tracker_events_appended_total{job="mission-tracker-api"}');
    expect(Number(appended.value[1])).toBe(APPENDED);
    const lag = await query('mission_tracker_projection_lag_events{job="mission-tracker-api"}');
    expect(lag.map((sample) => sample.metric.projection).sort()).toEqual([...PROJECTION_NAMES].sort());
    for (const sample of lag) expect({ projection: sample.metric.projection, lag: sample.value[1] }).toEqual({ projection: sample.metric.projection, lag: '0' });
    const lagSeconds = await query('max(mission_tracker_projection_lag_seconds{job="mission-tracker-api"})');
    expect(Number(lagSeconds[0].value[1])).toBe(0);
    const positions = await query('min(mission_tracker_projection_position{job="mission-tracker-api"})');
    expect(Number(positions[0].value[1])).toBeGreaterThanOrEqual(APPENDED);
  }, 120_000);
});
