import type { RedactionMode } from '@switchyard/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DispatchFailedError, type DispatchSuccess } from '../dispatch/upstream-dispatcher.service.js';
import { OpenAiHttpError } from '../errors/openai-error.js';
import type { UpstreamErrorClass } from '../providers/upstream.error.js';
import type { CallStats, CallTarget, JsonResult, StreamResult } from '../providers/provider.adapter.js';
import type { CallProvenance } from './internal-call.js';
import type { Admission } from '../governance/call-admission.service.js';
import type { DeploymentLease } from '../dispatch/deployment-health.port.js';
import type { DispatchPlan } from '../dispatch/dispatch-plan.js';
import type { RouteOperation } from '../routing/route-resolver.service.js';
import type { CallRecord } from '../tracing/call-record.js';
import type { CallSpan, CallTracer } from '../tracing/call-tracer.service.js';
import { ClientDisconnectedError } from './client-disconnected.error.js';

export const HEADER_SPAN_ID = 'x-switchyard-span-id';
export const HEADER_MODEL = 'x-switchyard-model';
export const HEADER_POLICY_VERSION = 'x-switchyard-policy-version';
export const HEADER_WORKLOAD = 'x-switchyard-workload';

/** nginx's code for "client closed request"; recorded, never sent. */
const CLIENT_CLOSED = 499;

/**
 * The lifecycle of one /v1 call: its span, its abort signal (fired when the client leaves),
 * and the record that becomes the persisted span once the reply is done.
 */
export class GatewayCall {
  readonly record: CallRecord;
  readonly span: CallSpan;
  private readonly abort = new AbortController();
  private finished = false;
  private lease?: DeploymentLease;
  private brokenClass?: UpstreamErrorClass;
  private sentAt = 0;

  constructor(
    private readonly tracer: CallTracer,
    operation: RouteOperation,
    request: Record<string, unknown> & { model: string },
    stream: boolean,
    redaction: RedactionMode,
    private readonly reply: FastifyReply,
    provenance: CallProvenance = { origin: 'live' },
  ) {
    this.span = tracer.start(operation, request.model);
    this.record = {
      operation,
      startedAt: new Date(),
      startedPerf: performance.now(),
      endedPerf: 0,
      requestedModel: request.model,
      request,
      stream,
      attempts: [],
      status: 'ok',
      httpStatus: 200,
      redaction,
      provenance,
    };
    reply.header(HEADER_SPAN_ID, this.span.spanId);
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) this.abort.abort(new ClientDisconnectedError());
    });
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  static workloadHeader(req: FastifyRequest): string | undefined {
    const value = req.headers[HEADER_WORKLOAD];
    return Array.isArray(value) ? value[0] : value;
  }

  routed(plan: DispatchPlan): void {
    this.record.plan = plan;
    this.reply.header(HEADER_POLICY_VERSION, plan.decision.policyVersion);
  }

  /** Sends the rate-limit headers and books the call's real cost against its budgets when it ends. */
  admitted(admission: Admission): void {
    for (const [name, value] of Object.entries(admission.headers)) this.reply.header(name, value);
    this.record.settle = admission.settle;
  }

  served<R extends JsonResult | StreamResult>(outcome: DispatchSuccess<R>): void {
    this.record.target = outcome.target;
    this.record.attempts = outcome.attempts;
    this.record.fallbackReason = outcome.fallbackReason;
    this.record.stats = outcome.result.stats;
    this.record.httpStatus = outcome.result.status;
    this.lease = outcome.lease;
    this.sentAt = outcome.sentAt;
    this.record.sentAt = outcome.sentAt;
    this.reply.header(HEADER_MODEL, outcome.target.model.id);
  }

  /** Serves the call from the response cache: the model that first answered, no attempts, no lease. */
  servedFromCache(target: CallTarget, stats: CallStats, sourceSpanId?: string): void {
    this.record.cache = { kind: 'exact', sourceSpanId };
    this.record.target = target;
    this.record.stats = stats;
    this.record.httpStatus = 200;
    this.reply.header(HEADER_MODEL, target.model.id);
  }

  /** Records the failure and returns what the client should be told (undefined: nobody is listening). */
  failed(err: unknown): OpenAiHttpError | undefined {
    if (this.signal.aborted) {
      this.record.status = 'cancelled';
      this.record.httpStatus = CLIENT_CLOSED;
      this.record.errorClass = 'client_disconnected';
      return undefined;
    }
    const clientError =
      err instanceof DispatchFailedError ? err.clientError : err instanceof OpenAiHttpError ? err : new OpenAiHttpError(500, 'The gateway failed to process the request.', 'server_error', 'internal_error');
    if (err instanceof DispatchFailedError) {
      this.record.attempts = err.attempts;
      this.record.errorClass = err.lastError?.errorClass;
      const last = err.attempts.at(-1);
      const plan = this.record.plan;
      const target = last && plan && [...plan.legs, ...plan.fallbacks].find((c) => c.model.id === last.model);
      if (target) this.record.target = target;
    } else {
      this.record.errorClass = clientError.code ?? clientError.type;
    }
    this.record.status = 'error';
    this.record.httpStatus = clientError.status;
    this.record.errorMessage = clientError.message;
    return clientError;
  }

  /** Marks a stream that broke after bytes were sent. */
  brokeMidStream(errorClass: string, message: string, upstreamClass?: UpstreamErrorClass): void {
    this.brokenClass = upstreamClass;
    this.record.status = 'error';
    this.record.errorClass = errorClass;
    this.record.errorMessage = message;
  }

  finish(responseBytes?: Buffer | Uint8Array[]): void {
    if (this.finished) return;
    this.finished = true;
    this.record.endedPerf = performance.now();
    this.record.responseBytes = responseBytes;
    this.settleLease();
    this.tracer.finish(this.span, this.record);
  }

  /** Tells live state how the serving deployment did, once the whole response is known. */
  private settleLease(): void {
    const lease = this.lease;
    if (!lease) return;
    this.lease = undefined;
    const latencyMs = this.record.endedPerf - this.sentAt;
    if (this.record.status === 'cancelled') lease.release();
    else if (this.brokenClass) lease.fail(this.brokenClass, { latencyMs });
    else if (this.record.status === 'ok') {
      const first = this.record.stats?.firstTokenAt;
      lease.succeed({ latencyMs, ttftMs: first !== undefined ? first - this.sentAt : undefined });
    } else lease.release();
  }
}
