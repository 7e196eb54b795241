// GET /v1/missions/{id}/live: server-sent events for dashboards. Sends `personnel` and
// `funding` (the same bodies as the read endpoints) at once, then again whenever the
// projection moves and the mission's read model has changed. A comment line every 15 s
// keeps proxies from closing an idle stream.
import { BeforeApplicationShutdown, Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireRole } from '../auth/auth.decorator';
import { missionIdSchema, parseInput } from '../validation/parse';
import { ProjectionWatcher } from './projection-watcher';
import { ReadModelsService } from './read-models.service';

const HEARTBEAT_MS = 15_000;

@ApiTags('read models')
@Controller('v1/missions')
@RequireRole('viewer')
export class LiveController implements BeforeApplicationShutdown {
  /** Open streams, ended at shutdown (the HTTP server waits for them otherwise). */
  private readonly streams = new Set<FastifyReply['raw']>();

  constructor(
    private readonly readModels: ReadModelsService,
    private readonly watcher: ProjectionWatcher,
  ) {}

  @Get(':missionId/live')
  @ApiOperation({ summary: 'Server-sent events: `personnel` and `funding` read models whenever they change' })
  @ApiParam({ name: 'missionId', example: 'mss-haiti' })
  @ApiProduces('text/event-stream')
  async live(@Param('missionId') missionIdParam: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const reads = {
      personnel: () => this.readModels.personnel(missionId),
      funding: () => this.readModels.funding(missionId),
    };
    // Read before answering, so an unknown mission is still a 404 problem.
    const first = { personnel: await reads.personnel(), funding: await reads.funding() };

    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const last: Record<string, string> = {};
    const send = (event: 'personnel' | 'funding', body: { position: number }) => {
      const { position, ...model } = body;
      const fingerprint = JSON.stringify(model);
      if (last[event] === fingerprint) return; // unchanged for this mission
      last[event] = fingerprint;
      reply.raw.write(`event: ${event}\nid: ${position}\ndata: ${JSON.stringify(body)}\n\n`);
    };
    send('personnel', first.personnel);
    send('funding', first.funding);

    let reading = Promise.resolve();
    const unsubscribe = this.watcher.onAdvanced((name) => {
      if (name !== 'personnel' && name !== 'funding') return;
      // One read at a time per stream, in order.
      reading = reading.then(() => reads[name]().then((body) => send(name, body))).catch(() => undefined);
    });
    const heartbeat = setInterval(() => reply.raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    this.streams.add(reply.raw);
    request.raw.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
      this.streams.delete(reply.raw);
    });
  }

  beforeApplicationShutdown(): void {
    for (const stream of this.streams) stream.end();
  }
}
