import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger, PinoLogger } from 'nestjs-pino';
import { checkDependencies, loadConfig, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { checkRedis, queuePrefix } from '@app/queues';
import { WorkerModule } from './worker.module';

runMain(async () => {
  const config = loadConfig();
  await checkDependencies(config);
  await checkRedis(config);
  await checkSchema(config.DATABASE_URL);
  const logParams = { pinoHttp: { level: config.LOG_LEVEL } };
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new Logger(new PinoLogger(logParams), logParams), // JSON lines (pino) at LOG_LEVEL, as the API
  });
  // SIGTERM/SIGINT: BullMQ workers finish their current job, then connections close.
  app.enableShutdownHooks();
  await app.init();
  console.log(`worker running (Redis prefix ${queuePrefix(config)}${config.REDIS_CLUSTER_NODES.length ? ', on a Redis Cluster' : ''})`);
});
