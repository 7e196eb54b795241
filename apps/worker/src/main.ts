import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger, PinoLogger } from 'nestjs-pino';
import { checkDependencies, loadConfig, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { checkPartitionsAt } from '@app/projections';
import { WorkerModule } from './worker.module';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  await checkSchema(config.DATABASE_URL);
  // PROJECTION_PARTITIONS against the stored count: one line and exit when they differ.
  await checkPartitionsAt(config.DATABASE_URL, config.PROJECTION_PARTITIONS);
  const logParams = { pinoHttp: { level: config.LOG_LEVEL } };
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new Logger(new PinoLogger(logParams), logParams), // JSON lines (pino) at LOG_LEVEL, as the API
  });
  // SIGTERM/SIGINT: BullMQ workers finish their current job, then connections close.
  app.enableShutdownHooks();
  await app.init();
  console.log(`worker running (Redis prefix {${config.REDIS_PREFIX}})`);
});
