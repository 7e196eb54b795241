import 'reflect-metadata';
import { checkDependencies, loadConfig, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { checkRedis } from '@app/queues';
import { createHttpApp } from './http-server';
import { HttpDrain } from './lifecycle/http-drain';
import { exitIfShutdownHangs } from './lifecycle/shutdown-deadline';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  await checkRedis(config);
  await checkSchema(config.DATABASE_URL);
  const app = await createHttpApp(config);
  // SIGTERM (rolling restart): stop accepting, finish what was accepted, then exit.
  new HttpDrain(app.getHttpServer(), config.SHUTDOWN_TIMEOUT_MS).install(app.getHttpAdapter().getInstance());
  exitIfShutdownHangs(config.SHUTDOWN_TIMEOUT_MS + 5_000);
  await app.listen({ port: config.PORT, host: config.HOST });
  // The port actually bound (PORT=0 picks a free one).
  const { port } = app.getHttpServer().address() as { port: number };
  const base = `http://localhost:${port}`;
  console.log(`API listening on ${base} · dashboard ${base}/ · API docs ${base}/docs · OpenAPI ${base}/docs-json`);
});
