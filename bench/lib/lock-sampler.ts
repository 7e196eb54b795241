// How busy the append lock is: pg_locks sampled from the maintenance database every few ms
// while a scenario runs. The fraction of samples in which a backend holds the lock says
// whether the lock is what bounds the append rate (held ~all the time, others waiting) or
// something else is (the CPU, the callers): rate / held-fraction is what the lock alone would
// let through at the same hold time per event.
import { Client } from 'pg';

/** The event store's append lock (libs/event-store append-transaction.ts APPEND_LOCK, "mtlog"): one bigint key, in pg_locks as classid/objid. */
const APPEND_LOCK = 0x6d746c6f67n;
const CLASSID = Number(APPEND_LOCK >> 32n);
const OBJID = Number(APPEND_LOCK & 0xffffffffn);

export interface LockBusy {
  samples: number;
  /** Share of samples with the lock granted to some backend. */
  held: number;
  /** Share of samples with at least one backend waiting for it. */
  contended: number;
}

export async function sampleAppendLock<T>(adminUrl: string, database: string, everyMs: number, during: () => Promise<T>): Promise<{ result: T; lock: LockBusy }> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  let stop = false;
  let samples = 0;
  let held = 0;
  let contended = 0;
  const sampler = (async () => {
    while (!stop) {
      const { rows } = await client.query<{ held: number; waiting: number }>(
        `SELECT count(*) FILTER (WHERE granted)::int AS held, count(*) FILTER (WHERE NOT granted)::int AS waiting
           FROM pg_locks
          WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1
            AND database = (SELECT oid FROM pg_database WHERE datname = $3)`,
        [CLASSID, OBJID, database],
      );
      samples++;
      if (rows[0].held > 0) held++;
      if (rows[0].waiting > 0) contended++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  try {
    const result = await during();
    return { result, lock: { samples, held: samples ? held / samples : 0, contended: samples ? contended / samples : 0 } };
  } finally {
    stop = true;
    await sampler;
    await client.end();
  }
}
