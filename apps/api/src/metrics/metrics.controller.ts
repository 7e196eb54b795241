import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { ApiMetrics } from './api-metrics';

@ApiTags('service')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({ summary: 'Prometheus metrics: HTTP latency, events appended, projection position and lag, queue depth' })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiResponse({ status: 200, description: 'Prometheus text exposition format', schema: { type: 'string' } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
