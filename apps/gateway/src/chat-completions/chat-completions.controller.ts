import { Injectable, Logger } from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { sendOpenAiError } from '../errors/openai-error.filter.js';
import { compiledChatCompletionRequestSchema } from '../validation/compiled-contracts.js';
import { ZodBodyPipe } from '../validation/zod-body.pipe.js';
import { ChatCompletionsService } from './chat-completions.service.js';

export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

/**
 * POST /v1/chat/completions as a plain Fastify route: the gateway's hottest path skips Nest's
 * per-request pipeline (router, execution context, guard and pipe consumers, exception zone),
 * which cost about a tenth of its CPU. The steps are the same and in the same order: the
 * `/v1` key check (ApiKeyGuard), the body's contract (ZodBodyPipe), then the service; whatever
 * throws is answered as the exception filter would.
 */
@Injectable()
export class ChatCompletionsController {
  private readonly logger = new Logger(ChatCompletionsController.name);
  private readonly body = new ZodBodyPipe(compiledChatCompletionRequestSchema);

  constructor(
    private readonly guard: ApiKeyGuard,
    private readonly service: ChatCompletionsService,
  ) {}

  /** Called once at bootstrap, after the global hooks (URL checks, upload limits) are installed. */
  register(fastify: FastifyInstance): void {
    fastify.route({
      method: 'POST',
      url: CHAT_COMPLETIONS_PATH,
      // Not async: the reply is sent (or hijacked for a stream) by the service; Fastify must not wait on a return value.
      handler: (req, reply) => {
        void this.handle(req, reply);
      },
      // Errors raised before the handler (body too large, unparseable JSON).
      errorHandler: (error: FastifyError, _req, reply) => sendOpenAiError(error, reply, this.logger),
    });
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      await this.guard.authenticate(req);
      await this.service.create(this.body.transform(req.body), req, reply);
    } catch (err) {
      sendOpenAiError(err, reply, this.logger);
    }
  }
}
