import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { ChatCompletionRequest } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ResponseCache } from '../cache/response-cache.service.js';
import { assertModelAllowed, assertWorkloadAllowed, defaultWorkloadOf } from '../auth/key-permissions.js';
import { GatewayCall } from '../calls/gateway-call.js';
import { provenanceOf } from '../calls/internal-call.js';
import { relayStream } from '../calls/stream-relay.js';
import { UpstreamDispatcher } from '../dispatch/upstream-dispatcher.service.js';
import { CallAdmission } from '../governance/call-admission.service.js';
import { chatFeatures } from '@switchyard/routing';
import { RouteResolver } from '../routing/route-resolver.service.js';
import { CallTracer } from '../tracing/call-tracer.service.js';

/** route -> call (with fallback) -> relay -> span. */
@Injectable()
export class ChatCompletionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly router: RouteResolver,
    private readonly dispatcher: UpstreamDispatcher,
    private readonly tracer: CallTracer,
    private readonly responses: ResponseCache,
    private readonly admission: CallAdmission,
  ) {}

  async create(body: ChatCompletionRequest, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const stream = body.stream === true;
    const call = new GatewayCall(this.tracer, 'chat', body, stream, this.config.spans.redaction, reply, provenanceOf(req, this.config.admin.key));
    try {
      assertModelAllowed(req.caller, body.model);
      const workloadHeader = RouteResolver.parseWorkloadHeader(GatewayCall.workloadHeader(req)) ?? defaultWorkloadOf(req.caller);
      const plan = this.router.resolve(chatFeatures(body, req.headers, workloadHeader));
      call.routed(plan);
      assertWorkloadAllowed(req.caller, plan.decision.workload);
      const cached = await this.responses.lookup(body, req, reply, call);
      if (cached.hit) return await this.responses.replay(cached.hit, body, reply, call);
      call.admitted(await this.admission.admit(req.caller, plan, { operation: 'chat', maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined, origin: call.record.provenance.origin }));
      const clientWantsUsage = stream && body.stream_options?.include_usage === true;
      const outcome = await this.dispatcher.dispatch(plan, call.signal, (target, signal) =>
        this.dispatcher.adapterFor(target).chat(target, { body, stream, clientWantsUsage, signal }),
      );
      call.served(outcome);
      const result = outcome.result;
      if (result.kind === 'stream') {
        await relayStream(reply, call, result);
        this.responses.remember(cached, call);
        return;
      }
      await reply.code(result.status).header('content-type', 'application/json').send(result.body);
      call.finish(result.body);
      this.responses.remember(cached, call);
    } catch (err) {
      const clientError = call.failed(err);
      call.finish();
      if (clientError) throw clientError;
    }
  }
}
