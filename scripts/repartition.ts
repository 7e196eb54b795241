// `PROJECTION_PARTITIONS=N npm run db:repartition`: changes how many partitions the
// projections are folded in. With every worker stopped, it catches every live and building
// generation up to the head under the old count (here, with a progress bar), then in one
// transaction under the append lock sets the new count, files every event under it and
// starts each generation's checkpoints at the head. Appends wait while that transaction
// runs (a pass over the whole log); reads keep answering. See docs/scaling.md#partitions.
import { Pool } from 'pg';
import { checkDependencies, ConfigError, loadConfig, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { repartition, RepartitionRefusedError } from '@app/projections';
import { Progress, startProgress } from '../apps/cli/src/progress';

runMain(async () => {
  const config = loadConfig();
  const partitions = config.PROJECTION_PARTITIONS;
  if (partitions === undefined) throw new ConfigError('set PROJECTION_PARTITIONS to the new count (1 to 256), for example: PROJECTION_PARTITIONS=4 npm run db:repartition');
  await checkDependencies(config); // PostgreSQL only: re-partitioning does not use Redis
  await checkSchema(config.DATABASE_URL);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // a dropped connection fails the query in flight instead of the process
  let progress: Progress | undefined;
  const started = Date.now();
  try {
    const result = await repartition(pool, partitions, {
      batchSize: config.PROJECTION_BATCH_SIZE,
      onProgress: (folded, total) => {
        if (total === 0) return;
        progress ??= startProgress('catch-up', total, 'folds (events × projections behind)');
        progress.update(folded, total);
      },
    });
    progress?.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      result.from === result.to
        ? `the projections are already folded in ${result.to} partition${result.to === 1 ? '' : 's'}: nothing to do`
        : `re-partitioned from ${result.from} to ${result.to} partitions in ${seconds} s: ${result.caughtUp} events caught up first, ` +
            `${result.moved} events filed under another partition, every checkpoint at position ${result.head}. Start the workers with PROJECTION_PARTITIONS=${result.to} (or unset).`,
    );
  } catch (error) {
    progress?.stop();
    if (!(error instanceof RepartitionRefusedError)) throw error;
    console.error(`not re-partitioned: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
});
