import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import type { EmbeddingRequest } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertModelAllowed, assertWorkloadAllowed, defaultWorkloadOf } from '../auth/key-permissions.js';
import { GatewayCall } from '../calls/gateway-call.js';
import { provenanceOf } from '../calls/internal-call.js';
import { UpstreamDispatcher } from '../dispatch/upstream-dispatcher.service.js';
import { CallAdmission } from '../governance/call-admission.service.js';
import { embeddingsFeatures } from '@switchyard/routing';
import { RouteResolver } from '../routing/route-resolver.service.js';
import { CallTracer } from '../tracing/call-tracer.service.js';

@Injectable()
export class EmbeddingsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly router: RouteResolver,
    private readonly dispatcher: UpstreamDispatcher,
    private readonly tracer: CallTracer,
    private readonly admission: CallAdmission,
  ) {}

  async create(body: EmbeddingRequest, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const call = new GatewayCall(this.tracer, 'embeddings', body, false, this.config.spans.redaction, reply, provenanceOf(req, this.config.admin.key));
    try {
      assertModelAllowed(req.caller, body.model);
      const workloadHeader = RouteResolver.parseWorkloadHeader(GatewayCall.workloadHeader(req)) ?? defaultWorkloadOf(req.caller);
      const plan = this.router.resolve(embeddingsFeatures(body, req.headers, workloadHeader));
      call.routed(plan);
      assertWorkloadAllowed(req.caller, plan.decision.workload);
      call.admitted(await this.admission.admit(req.caller, plan, { operation: 'embeddings', origin: call.record.provenance.origin }));
      const outcome = await this.dispatcher.dispatch(plan, call.signal, (target, signal) => this.dispatcher.adapterFor(target).embeddings(target, { body, signal }));
      call.served(outcome);
      await reply.code(outcome.result.status).header('content-type', 'application/json').send(outcome.result.body);
      // Vectors are large and not worth keeping; the span keeps usage and metadata.
      call.finish();
    } catch (err) {
      const clientError = call.failed(err);
      call.finish();
      if (clientError) throw clientError;
    }
  }
}
