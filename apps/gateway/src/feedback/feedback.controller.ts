import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { type FeedbackRequest, feedbackRequestSchema } from '@switchyard/contracts';
import type { FastifyRequest } from 'fastify';
import { ZodBodyPipe } from '../validation/zod-body.pipe.js';
import { type FeedbackReceipt, FeedbackService } from './feedback.service.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { tenantOf } from '../auth/caller.js';

@UseGuards(ApiKeyGuard)
@Controller('v1/feedback')
export class FeedbackController {
  constructor(private readonly service: FeedbackService) {}

  @Post()
  @HttpCode(201)
  create(@Body(new ZodBodyPipe(feedbackRequestSchema)) body: FeedbackRequest, @Req() req: FastifyRequest): Promise<FeedbackReceipt> {
    return this.service.record(body, req.headers, tenantOf(req.caller));
  }
}
