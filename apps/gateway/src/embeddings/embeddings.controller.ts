import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { type EmbeddingRequest, embeddingRequestSchema } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodBodyPipe } from '../validation/zod-body.pipe.js';
import { EmbeddingsService } from './embeddings.service.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';

@UseGuards(ApiKeyGuard)
@Controller('v1/embeddings')
export class EmbeddingsController {
  constructor(private readonly service: EmbeddingsService) {}

  @Post()
  @HttpCode(200)
  create(@Body(new ZodBodyPipe(embeddingRequestSchema)) body: EmbeddingRequest, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.service.create(body, req, reply);
  }
}
