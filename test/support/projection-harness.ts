// A database, the real API in-process and real worker processes, wired with one Redis prefix.
import { createTestDatabase, TestDatabase } from './test-database';
import { startTestApi, TestApi } from './test-api';
import { startWorker, WorkerProcess } from './worker-process';
import { expectEventually } from './eventually';

export interface Harness {
  db: TestDatabase;
  api: TestApi;
  workers: WorkerProcess[];
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  /** Waits until every projection reflects the whole log. */
  quiesce(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startHarness(label: string, workerCount = 1, workerEnv: Record<string, string> = {}, apiEnv: Record<string, string> = {}): Promise<Harness> {
  const db = await createTestDatabase(label);
  const api = await startTestApi(db.url, apiEnv);
  const workers: WorkerProcess[] = [];
  const harness: Harness = {
    db,
    api,
    workers,
    async startWorker(env = {}) {
      const worker = await startWorker(db.url, api.redisPrefix, { ...workerEnv, ...env });
      workers.push(worker);
      return worker;
    },
    async quiesce(timeoutMs = 30_000) {
      return expectEventually(async () => {
        const { body } = await api.request('GET', '/v1/projections');
        for (const p of body.projections) {
          if (p.status !== 'live' || p.position !== p.headPosition) throw new Error(`not caught up: ${JSON.stringify(body.projections)}`);
        }
        return body.projections[0].headPosition as number;
      }, timeoutMs);
    },
    async close() {
      await Promise.all(workers.map((w) => w.kill('SIGTERM')));
      await api.close();
      await db.drop();
    },
  };
  for (let i = 0; i < workerCount; i++) await harness.startWorker();
  return harness;
}
