// GET /admin/queues: the BullMQ board (bull-board) for every queue in libs/queues, admins only.
// It is a Fastify plugin outside Nest's routing, so it checks the API key (or, for its pages and
// reads, an admin's dashboard session cookie) itself, with the guard's own logic, and answers
// 401/403 as problem+json like every other route.
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { AppConfig, CONFIG } from '@app/config';
import { QUEUES, queuePrefix, redisConnection } from '@app/queues';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { sendProblem } from '../problems/problem.filter';
import { toProblem } from '../problems/to-problem';

export const ADMIN_QUEUES_PATH = '/admin/queues';

@Injectable()
export class AdminQueuesBoard implements OnModuleInit, OnApplicationShutdown {
  /** The board's own Queue instances (the nudger's connection is tuned to fail fast for appends). */
  private queues: Queue[] = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: ApiKeyGuard,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.queues = Object.values(QUEUES).map(({ name }) => {
      const queue = new Queue(name, { prefix: queuePrefix(this.config), connection: redisConnection(this.config) });
      queue.on('error', () => undefined); // Redis down: the board's data calls wait for it; the API carries on
      return queue;
    });
    const board = new FastifyAdapter().setBasePath(ADMIN_QUEUES_PATH);
    createBullBoard({
      queues: this.queues.map((queue) => new BullMQAdapter(queue)),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Mission Tracker queues' } },
    });

    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // An encapsulated scope: the hook guards the board's routes (page, assets, its JSON API) only.
    // Not awaited: awaiting a registration here boots Fastify's plugins before Nest has
    // installed its error handler, and Fastify's own errors (415, 413) would lose problem+json.
    void fastify.register(
      async (scope) => {
        scope.addHook('onRequest', async (request, reply) => {
          try {
            await this.guard.authorize(request, 'admin'); // the key, or an admin's dashboard session on a GET
          } catch (error) {
            sendProblem(reply, toProblem(error));
            return reply;
          }
        });
        await scope.register(board.registerPlugin());
      },
      { prefix: ADMIN_QUEUES_PATH },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close().catch(() => undefined)));
  }
}
