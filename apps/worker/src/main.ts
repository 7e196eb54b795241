import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { checkDependencies, loadConfig, nestLogLevels, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { WorkerModule } from './worker.module';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  await checkSchema(config.DATABASE_URL);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: nestLogLevels(config.LOG_LEVEL),
  });
  // SIGTERM/SIGINT: BullMQ workers finish their current job, then connections close.
  app.enableShutdownHooks();
  await app.init();
  console.log(`worker running (Redis prefix {${config.REDIS_PREFIX}})`);
});
