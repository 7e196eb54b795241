// GET /v1/missions/{id}/live: server-sent events for dashboards. Sends `personnel` and
// `funding` (the same bodies as the read endpoints) at once, then again whenever the
// projection moves and the mission's read model has changed (see LiveHub, which shares one
// read per mission between all its viewers). A comment line every 15 s keeps proxies from
// closing an idle stream.
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, RequireRole } from '../auth/auth.decorator';
import { Principal } from '../auth/roles';
import { ApiInvalidParameters, ApiPathParam, ApiProblem } from '../openapi/api-docs.decorators';
import { Problem } from '../problems/problem';
import { missionIdSchema, parseInput } from '../validation/parse';
import { LiveHub } from './live-hub';
import { LiveStreamSlots } from './live-stream-slots';

@ApiTags('read models')
@Controller('v1/missions')
@RequireRole('viewer')
export class LiveController {
  constructor(
    private readonly hub: LiveHub,
    private readonly guard: ApiKeyGuard,
    private readonly slots: LiveStreamSlots,
  ) {}

  @Get(':missionId/live')
  @ApiOperation({ summary: 'Server-sent events: `personnel` and `funding` read models whenever they change' })
  @ApiPathParam('missionId', missionIdSchema, 'mss-haiti')
  @ApiProduces('text/event-stream')
  @ApiResponse({
    status: 200,
    description: 'Server-sent events: `event: personnel` (data: a Personnel body) and `event: funding` (data: a Funding body), `id:` the log position; a comment line every 15 s',
    schema: { type: 'string', example: 'event: personnel\nid: 7\ndata: {"missionId":"mss-haiti","position":7,...}\n\n' },
  })
  @ApiInvalidParameters()
  @ApiProblem(404, 'no such mission')
  @ApiProblem(429, 'over RATE_LIMIT_PER_MINUTE, or this API key already has LIVE_STREAMS_PER_KEY streams open on this server (Retry-After)')
  @ApiProblem(503, 'this server has as many open streams as it serves (Retry-After)')
  async live(
    @Param('missionId') missionIdParam: string,
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const missionId = parseInput(missionIdSchema, missionIdParam, 'mission id');
    const release = this.takeSlot(principal);
    // Listen for the client leaving before anything is awaited: a viewer gone before the first
    // read finishes must never be subscribed. However the stream or the request ends, its slot goes back.
    let gone = false;
    let unsubscribe = () => undefined as void;
    reply.raw.on('close', () => {
      gone = true;
      unsubscribe();
      release();
    });
    let first: Awaited<ReturnType<LiveHub['snapshot']>>;
    try {
      // Read before answering, so an unknown mission is still a 404 problem.
      first = await this.hub.snapshot(missionId);
    } catch (error) {
      release();
      throw error;
    }
    if (gone) return;

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    unsubscribe = this.hub.subscribe(
      missionId,
      {
        write: (chunk) => raw.write(chunk),
        onDrain: (listener) => raw.on('drain', listener),
        end: () => raw.end(),
        // The same key or cookie, checked again (PostgreSQL unreachable: keep the stream).
        stillAllowed: () => this.guard.authenticate(request).then(() => true, (error) => !(error instanceof Problem && error.status === 401)),
      },
      first,
    );
  }

  /** A stream slot for the principal's key, or the 429/503 Problem saying why there is none. */
  private takeSlot(principal: Principal): () => void {
    const slot = this.slots.take(principal.id);
    if (slot === 'key-full') {
      throw new Problem(
        429,
        'too-many-streams-for-key',
        `the API key "${principal.name}" already has ${this.slots.perKey} live streams open on this server (LIVE_STREAMS_PER_KEY); close one or retry later`,
        {},
        { 'Retry-After': '10' },
      );
    }
    if (slot === 'server-full') {
      throw new Problem(503, 'too-many-streams', `this server already serves ${this.slots.perProcess} live streams; retry later`, {}, { 'Retry-After': '10' });
    }
    return slot;
  }
}
