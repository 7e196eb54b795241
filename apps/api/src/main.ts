import 'reflect-metadata';
import { checkDependencies, limitHeapGrowth, loadConfig, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { checkPartitionsAt } from '@app/projections';
import { checkRedis } from '@app/queues';
import { createHttpApp } from './http-server';
import { HttpDrain } from './lifecycle/http-drain';
import { exitIfShutdownHangs } from './lifecycle/shutdown-deadline';

limitHeapGrowth();

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  await checkRedis(config);
  await checkSchema(config.DATABASE_URL);
  // PROJECTION_PARTITIONS against the stored count: one line and exit when they differ. The
  // process then runs with the stored count (its queues are named after the partitions).
  const partitions = await checkPartitionsAt(config.DATABASE_URL, config.PROJECTION_PARTITIONS);
  const running = Object.freeze({ ...config, PROJECTION_PARTITIONS: partitions });
  const app = await createHttpApp(running);
  // SIGTERM (rolling restart): stop accepting, finish what was accepted, then exit.
  new HttpDrain(app.getHttpServer(), config.SHUTDOWN_TIMEOUT_MS).install(app.getHttpAdapter().getInstance());
  exitIfShutdownHangs(config.SHUTDOWN_TIMEOUT_MS + 5_000);
  await app.listen({ port: config.PORT, host: config.HOST });
  // The port actually bound (PORT=0 picks a free one).
  const { port } = app.getHttpServer().address() as { port: number };
  const base = `http://localhost:${port}`;
  console.log(`API listening on ${base} · dashboard ${base}/ · API docs ${base}/docs · OpenAPI ${base}/docs-json`);
});
