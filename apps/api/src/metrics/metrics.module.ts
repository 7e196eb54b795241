import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ApiMetrics } from './api-metrics';
import { MetricsController } from './metrics.controller';

/** GET /metrics, and the timing of every HTTP request. */
@Module({
  controllers: [MetricsController],
  providers: [ApiMetrics],
  exports: [ApiMetrics],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: ApiMetrics,
  ) {}

  onModuleInit(): void {
    // A Fastify hook rather than a Nest interceptor: it also times 401s, 404s and errors, which
    // never reach an interceptor. routeOptions.url is the route pattern, never the raw URL.
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      this.metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
}
