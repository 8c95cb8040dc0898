import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodBodyPipe } from '../validation/zod-body.pipe.js';
import { ChatCompletionsService } from './chat-completions.service.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';

@UseGuards(ApiKeyGuard)
@Controller('v1/chat/completions')
export class ChatCompletionsController {
  constructor(private readonly service: ChatCompletionsService) {}

  @Post()
  @HttpCode(200)
  create(
    @Body(new ZodBodyPipe(chatCompletionRequestSchema)) body: ChatCompletionRequest,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.service.create(body, req, reply);
  }
}
