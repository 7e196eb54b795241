// The scale-out soak (issue 10): 2 API processes and 3 workers with PROJECTION_PARTITIONS=4 on
// a 3-master Redis Cluster and a PostgreSQL primary with a streaming replica, all started by
// this test from the machine's own packages. Writers append through both APIs for the whole
// run (MT_SOAK_SECONDS, 60 by default) while one worker is SIGKILLed and started again and one
// Redis master is restarted; dashboards read their own writes from the replica with
// minPosition. At the end every read model equals the replay of the log, nothing
// acknowledged is lost, and the figures are printed.
import { ApiProcess, startApiProcess } from './support/api-process';
import { expectEventually } from './support/eventually';
import { startPrimaryWithReplica, PgReplicaPair } from './support/pg-replica';
import { startRedisCluster, RedisCluster } from './support/redis-cluster';
import { expectLogIntactAndReadModelsReplayed } from './support/replay-check';
import { ADMIN_KEY } from './support/test-api';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish, sleep, startWriters } from './support/writers';

const SECONDS = Number(process.env.MT_SOAK_SECONDS ?? 60);
const PARTITIONS = 4;
const MISSIONS = Array.from({ length: 12 }, (_, i) => `soak-${i + 1}`);

interface ReadYourWrite {
  ms: number;
  status: number;
}

describe('scale-out soak: 2 APIs, 3 workers, 4 partitions, Redis Cluster, a replica', () => {
  let cluster: RedisCluster;
  let pg: PgReplicaPair;
  const apis: ApiProcess[] = [];
  const workers: WorkerProcess[] = [];
  const prefix = `mt-soak-${process.pid}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    [cluster, pg] = await Promise.all([startRedisCluster(3), startPrimaryWithReplica()]);
    env = { REDIS_CLUSTER_NODES: cluster.nodes, PROJECTION_PARTITIONS: String(PARTITIONS), REDIS_PREFIX: prefix };
    for (let i = 0; i < 2; i++) apis.push(await startApiProcess(pg.primaryUrl, { ...env, DATABASE_REPLICA_URLS: pg.replicaUrl }));
    for (let i = 0; i < 3; i++) workers.push(await startWorker(pg.primaryUrl, prefix, env));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM').catch(() => undefined)));
    await Promise.all(apis.map((a) => a.kill('SIGTERM').catch(() => undefined)));
    await cluster?.stop();
    await pg?.stop();
  });

  it(`keeps every guarantee for ${SECONDS} s of writes with a worker killed and a Redis master restarted`, async () => {
    for (const missionId of MISSIONS) expect((await apis[0].request('POST', `/v1/missions/${missionId}/events`, establish(missionId))).status).toBe(201);
    const started = Date.now();
    const writers = apis.map((api) => startWriters(api.baseUrl, MISSIONS, 4, 10_000));

    // A dashboard: appends through one API, reads its own write through the other, from the replica.
    const readYourWrites: ReadYourWrite[] = [];
    let dashboardStopped = false;
    const dashboard = (async () => {
      for (let i = 0; !dashboardStopped; i++) {
        const [writeApi, readApi] = i % 2 ? [apis[0], apis[1]] : [apis[1], apis[0]];
        const missionId = MISSIONS[i % MISSIONS.length];
        const appended = await writeApi.request('POST', `/v1/missions/${missionId}/events`, {
          events: [{ type: 'PersonnelPledged', occurredAt: '2024-06-01', data: { country: 'BHS', personnel: 1 } }],
        });
        if (appended.status !== 201) continue;
        const position = appended.body.events[0].position;
        const before = Date.now();
        const read = await readApi.request('GET', `/v1/missions/${missionId}/personnel?minPosition=${position}`);
        readYourWrites.push({ ms: Date.now() - before, status: read.status });
        if (read.status === 200) expect(read.body.position).toBeGreaterThanOrEqual(position);
        await sleep(50);
      }
    })();

    const faults: string[] = [];
    const at = (fraction: number) => sleep(Math.max(0, started + SECONDS * 1000 * fraction - Date.now()));
    await at(0.25);
    await workers[0].kill('SIGKILL');
    faults.push(`worker SIGKILLed at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sleep(3_000);
    // Started in the background: its ready line comes after its first catch-up.
    const restarted = startWorker(pg.primaryUrl, prefix, env).then((worker) => {
      workers[0] = worker;
      faults.push(`worker restarted, ready at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
    await at(0.5);
    const master = cluster.ports[1];
    await cluster.restart(master, 2_000);
    faults.push(`Redis master :${master} restarted at ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await at(1);
    await restarted;
    dashboardStopped = true;
    await dashboard;
    await Promise.all(writers.map((w) => w.stop()));
    const acknowledged = new Set(writers.flatMap((w) => [...w.acknowledged]));

    // Quiet: every projection of every partition at the head, then the replay.
    await expectEventually(async () => {
      const { body } = await apis[0].request('GET', '/v1/projections');
      for (const projection of body.projections) expect(projection).toMatchObject({ lagEvents: 0, status: 'live' });
    }, 60_000, 250);
    await pg.caughtUp();
    const log = await expectLogIntactAndReadModelsReplayed((path) => apis[1].request('GET', path), acknowledged);

    const metrics = await Promise.all(apis.map(async (api) => (await fetch(`${api.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text()));
    const replicaReads = metrics.map((text) => sumMetric(text, 'mission_tracker_read_model_reads_total', 'via="replica"')).reduce((a, b) => a + b, 0);
    const ryw = readYourWrites.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b);
    const statuses: Record<string, number> = {};
    for (const answer of writers.flatMap((w) => w.answers)) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const figures = {
      seconds: SECONDS,
      appendAnswers: statuses,
      events: log.length,
      acknowledged: acknowledged.size,
      appendsPerSecond: Math.round(acknowledged.size / SECONDS),
      faults,
      readYourWrites: { reads: readYourWrites.length, ok: ryw.length, p50Ms: ryw[Math.floor(ryw.length / 2)], p99Ms: ryw[Math.floor(ryw.length * 0.99)] },
      replicaReads,
    };
    console.log(`scale-out soak: ${JSON.stringify(figures, null, 2)}`);
    expect(ryw.length).toBeGreaterThan(readYourWrites.length * 0.95);
    expect(replicaReads).toBeGreaterThan(0);
  }, (SECONDS + 240) * 1000);
});

function sumMetric(text: string, name: string, labelFilter: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labelFilter))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}
