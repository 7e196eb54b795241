// GET / (the dashboard page) and GET /dashboard/<file> (its scripts, styles and uPlot).
// No authentication here: the page holds no data; it signs in through POST /v1/session and
// reads the API with the session cookie.
import { Controller, Get, Headers, OnModuleInit, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Problem } from '../problems/problem';
import { Asset, loadDashboardAssets } from './dashboard-assets';

@ApiExcludeController()
@Controller()
export class DashboardController implements OnModuleInit {
  private assets = new Map<string, Asset>();

  onModuleInit(): void {
    this.assets = loadDashboardAssets();
  }

  @Get()
  page(@Headers('accept-encoding') acceptEncoding: string | undefined, @Res() reply: FastifyReply): void {
    // The page itself is always revalidated, so a new deploy's asset names are picked up.
    this.send(reply, this.assets.get('index.html')!, acceptEncoding, 'no-cache');
  }

  @Get('dashboard/:file')
  file(@Param('file') file: string, @Headers('accept-encoding') acceptEncoding: string | undefined, @Res() reply: FastifyReply): void {
    const asset = file === 'index.html' ? undefined : this.assets.get(file);
    if (!asset) throw new Problem(404, 'not-found', `there is no dashboard file "${file}"`);
    this.send(reply, asset, acceptEncoding, 'public, max-age=300');
  }

  private send(reply: FastifyReply, asset: Asset, acceptEncoding: string | undefined, cacheControl: string): void {
    const gzip = /\bgzip\b/.test(acceptEncoding ?? '');
    reply
      .header('content-type', asset.contentType)
      .header('cache-control', cacheControl)
      .header('vary', 'Accept-Encoding');
    if (gzip) reply.header('content-encoding', 'gzip');
    void reply.send(gzip ? asset.gzip : asset.body);
  }
}
