import 'reflect-metadata';
import { checkDependencies, loadConfig, runMain } from '@app/config';
import { createHttpApp } from './http-server';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  const app = await createHttpApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
  // The port actually bound (PORT=0 picks a free one).
  const { port } = app.getHttpServer().address() as { port: number };
  const base = `http://localhost:${port}`;
  console.log(`API listening on ${base} · API docs ${base}/docs · OpenAPI ${base}/docs-json`);
});
