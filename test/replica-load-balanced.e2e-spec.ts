// A replica URL that is a load-balanced name: each new connection may reach another server.
// Here a small TCP proxy stands in for it, sending connections in turn to two servers, one up
// to date (the primary, as a replica that has replayed everything) and one whose replay is
// paused (a lagging replica). `minPosition` must hold whichever servers the connections reach:
// the check of the checkpoint and the read must be made on the same server.
import { ApiProcess, startApiProcess } from './support/api-process';
import { TEST_REDIS_URL } from './support/environment';
import { expectEventually } from './support/eventually';
import { personnelEvent } from './support/events';
import { PgReplicaPair, startPrimaryWithReplica } from './support/pg-replica';
import { deleteRedisPrefix } from './support/redis-cleanup';
import { waitForProjectionsCaughtUp } from './support/replay-check';
import { startRoundRobinTcpProxy, TcpProxy } from './support/tcp-proxy';
import { startWorker, WorkerProcess } from './support/worker-process';
import { establish } from './support/writers';

const MISSION = 'balanced';
/** More readers than connections: a connection given back goes to the next reader waiting, as under load. */
const READERS = 12;
const POOL_SIZE = 4;
const ROUNDS = 15;

/** Reads a replica answered, from /metrics. */
async function replicaReads(api: ApiProcess): Promise<number> {
  const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
  return [...text.matchAll(/^mission_tracker_read_model_reads_total\{[^}]*via="replica"[^}]*\} (\S+)$/gm)].reduce((sum, [, value]) => sum + Number(value), 0);
}

describe('minPosition through a load-balanced replica URL', () => {
  let pair: PgReplicaPair;
  let proxy: TcpProxy;
  let api: ApiProcess;
  let worker: WorkerProcess;
  let pledged = 0;

  const get = (path: string) => api.request('GET', path);
  const append = async (personnel: number) => {
    const { status, body } = await api.request('POST', `/v1/missions/${MISSION}/events`, { events: [personnelEvent('PersonnelPledged', 'KEN', personnel)] });
    expect(status).toBe(201);
    pledged += personnel;
    return body.events[0].position as number;
  };

  beforeAll(async () => {
    pair = await startPrimaryWithReplica();
    const port = (url: string) => Number(new URL(url).port);
    // The first connection (the API's replica probe, opened at start-up) reaches the up-to-date
    // server, so the replica counts as up and serves reads; the read pool's connections then
    // alternate between the two.
    proxy = await startRoundRobinTcpProxy([
      { host: '127.0.0.1', port: port(pair.primaryUrl) },
      { host: '127.0.0.1', port: port(pair.replicaUrl) },
    ]);
    api = await startApiProcess(pair.primaryUrl, { DATABASE_REPLICA_URLS: proxy.urlFor(pair.replicaUrl), DATABASE_POOL_SIZE: String(POOL_SIZE) });
    worker = await startWorker(pair.primaryUrl, api.redisPrefix);
    expect((await api.request('POST', `/v1/missions/${MISSION}/events`, establish(MISSION))).status).toBe(201);
    await append(10);
    await waitForProjectionsCaughtUp(get);
    await pair.caughtUp();
  }, 120_000);

  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await api?.kill('SIGTERM');
    await proxy?.close();
    await pair?.stop();
    if (api) await deleteRedisPrefix(TEST_REDIS_URL, api.redisPrefix).catch(() => undefined);
  });

  it('answers every read with minPosition with the write, though one of the servers behind the name lags', async () => {
    await expectEventually(async () => expect((await get('/health/ready')).body.replicas?.[0]?.state).toBe('up'));
    // Fill the read pool: connections to both servers.
    await Promise.all(Array.from({ length: READERS }, () => get(`/v1/missions/${MISSION}/personnel`)));
    await pair.pauseReplay();
    const stale: string[] = [];
    const before = await replicaReads(api);
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const at = await append(1);
        const reads = await Promise.all(Array.from({ length: READERS }, () => get(`/v1/missions/${MISSION}/personnel?minPosition=${at}`)));
        for (const read of reads) {
          expect(read.status).toBe(200);
          if (read.body.position < at || read.body.pledged !== pledged) stale.push(`asked ${at}: position ${read.body.position}, pledged ${read.body.pledged} of ${pledged}`);
        }
      }
    } finally {
      await pair.resumeReplay();
    }
    // The up-to-date server behind the name did serve reads (else nothing was tested)...
    expect((await replicaReads(api)) - before).toBeGreaterThan(0);
    // ...and no read older than its minPosition came back.
    expect(stale).toEqual([]);
  }, 120_000);
});
