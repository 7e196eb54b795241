// GET /admin/queues: the BullMQ board (bull-board) for every queue in libs/queues, admins only.
// It is a Fastify plugin outside Nest's routing, so it checks the API key (or, for its pages and
// reads, an admin's dashboard session cookie) itself, with the guard's own logic, and answers
// 401/403 as problem+json like every other route.
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { allQueues, PROJECTION_PARTITION_COUNT, RedisConnections } from '@app/queues';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { sendProblem } from '../problems/problem.filter';
import { toProblem } from '../problems/to-problem';

export const ADMIN_QUEUES_PATH = '/admin/queues';

/**
 * bull-board's page links a stylesheet of Google Fonts (IBM Plex), which our Content Security
 * Policy refuses (a console error on every visit) and which would tell another host who looks at
 * the board. Its CSS falls back to the system's sans-serif and monospace fonts, so the link is
 * dropped from the page: any stylesheet link to another host, should a later release add one.
 */
const REMOTE_STYLESHEET_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>\s*/gi;

export function withoutRemoteStylesheets(html: string): string {
  return html.replace(REMOTE_STYLESHEET_LINK, '');
}

@Injectable()
export class AdminQueuesBoard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: ApiKeyGuard,
    private readonly connections: RedisConnections,
    @Inject(PROJECTION_PARTITION_COUNT) private readonly partitions: number,
  ) {}

  async onModuleInit(): Promise<void> {
    // Queues of the board's own, every partition queue (REDIS_CLIENTS.board: its
    // data calls wait for Redis, where the nudger's fail fast for appends); RedisConnections
    // closes them. On a cluster each call concerns one queue, so one hash slot (bull-board's
    // Redis panel merges INFO from every master itself).
    const queues = allQueues(this.partitions).map((spec) => this.connections.queue(spec, 'board'));
    const board = new FastifyAdapter().setBasePath(ADMIN_QUEUES_PATH);
    createBullBoard({
      queues: queues.map((queue) => new BullMQAdapter(queue)),
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
        scope.addHook('onSend', async (_request, reply, payload) => {
          const type = reply.getHeader('content-type');
          return typeof payload === 'string' && typeof type === 'string' && type.startsWith('text/html') ? withoutRemoteStylesheets(payload) : payload;
        });
        await scope.register(board.registerPlugin());
      },
      { prefix: ADMIN_QUEUES_PATH },
    );
  }
}
