import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GatewayMetrics } from './gateway-metrics.service.js';

/**
 * Prometheus scrape endpoint. No key: scrapers rarely carry one, and the labels hold no tenant,
 * key, user or prompt. Keep it off the public listener (network policy) if that matters.
 */
@Controller()
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get('metrics')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const body = await this.metrics.scrape();
    void reply.header('content-type', this.metrics.contentType);
    return body;
  }
}
