import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { checkDependencies, FrameworkQuietLogger, limitHeapGrowth, loadConfig, runMain } from '@app/config';
import { checkSchema } from '@app/database';
import { checkPartitionsAt } from '@app/projections';
import { checkRedis, queuePrefix } from '@app/queues';
import { WorkerModule } from './worker.module';

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
  const logParams = { pinoHttp: { level: config.LOG_LEVEL } };
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(running), {
    // JSON lines (pino) at LOG_LEVEL, as the API; Nest's start-up narration at debug.
    logger: new FrameworkQuietLogger(new PinoLogger(logParams), logParams),
  });
  // SIGTERM/SIGINT: BullMQ workers finish their current job, then connections close.
  app.enableShutdownHooks();
  await app.init();
  console.log(`worker running (Redis prefix ${queuePrefix(config)}${config.REDIS_CLUSTER_NODES.length ? ', on a Redis Cluster' : ''})`);
});
