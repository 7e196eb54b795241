// Two processes started at once with different PROJECTION_PARTITIONS on a log with no events:
// the first count chosen sticks, and the other process is refused with the one-line
// ConfigError (it must not re-partition under the first, which already runs with its count).
import { Pool } from 'pg';
import { ConfigError } from '@app/config';
import { storedPartitions } from '@app/event-store';
import { checkPartitions } from '@app/projections';
import { createTestDatabase } from './support/test-database';

const ROUNDS = 15;

describe('the partition count chosen on an empty log', () => {
  it(`sticks when two processes choose different counts at once (${ROUNDS} rounds)`, async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const db = await createTestDatabase('partition_race');
      // Each "process" checks on a connection of its own, as checkPartitionsAt does.
      const pools = [new Pool({ connectionString: db.url, max: 1 }), new Pool({ connectionString: db.url, max: 1 })];
      // db.drop() terminates whatever is still connected (DROP DATABASE ... WITH (FORCE)); a
      // client the refused check releases after pool.end() is then an idle client's 'error',
      // which a pool with no listener throws (seen: 1 run in 3, after the last round).
      for (const pool of pools) pool.on('error', () => undefined);
      try {
        const [a, b] = await Promise.allSettled([checkPartitions(pools[0], 2), checkPartitions(pools[1], 3)]);
        const stored = await storedPartitions(db.pool);
        const started = [a, b].filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<number>).value);
        outcomes.push(`${a.status === 'fulfilled' ? a.value : 'refused'}/${b.status === 'fulfilled' ? b.value : 'refused'} stored ${stored}`);
        // Exactly one runs, with the stored count; the other is told.
        expect({ round, started }).toEqual({ round, started: [stored] });
        const refused = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(ConfigError);
        expect(refused.reason.message).toMatch(new RegExp(`folded in ${stored} partitions`));
        // A later start with the other count is refused too: the first choice sticks.
        const other = stored === 2 ? 3 : 2;
        await expect(checkPartitions(db.pool, other)).rejects.toBeInstanceOf(ConfigError);
        expect(await storedPartitions(db.pool)).toBe(stored);
      } finally {
        await Promise.all(pools.map((p) => p.end()));
        await db.drop();
      }
    }
    console.log(`outcomes (a=2 / b=3): ${outcomes.join('; ')}`);
  }, 120_000);
});
