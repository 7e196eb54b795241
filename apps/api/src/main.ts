import 'reflect-metadata';
import { checkDependencies, loadConfig, runMain } from '@app/config';
import { createHttpApp } from './http-server';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  const app = await createHttpApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
  const base = `http://localhost:${config.PORT}`;
  console.log(`API listening on ${base} · API docs ${base}/docs · OpenAPI ${base}/docs-json`);
});
