import { Injectable, Logger } from '@nestjs/common';
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  SwitchyardAttr,
} from '@switchyard/telemetry';
import { JudgeSampler } from '../evaluation/judge-sampler.service.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.service.js';
import { SpanWriter } from '../spans/span-writer.service.js';
import type { CallRecord } from './call-record.js';
import { toSpanRow, totalCostUsd } from './span-row.builder.js';

export interface CallSpan {
  readonly spanId: string;
  readonly traceId: string;
  readonly span: Span;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** One OTel span per call; the same record is persisted by the span writer, off the request path. */
@Injectable()
export class CallTracer {
  private readonly tracer = trace.getTracer('switchyard-gateway');
  private readonly logger = new Logger(CallTracer.name);

  constructor(
    private readonly writer: SpanWriter,
    private readonly sampler: JudgeSampler,
    private readonly metrics: GatewayMetrics,
  ) {}

  start(operation: string, requestedModel: string): CallSpan {
    const span = this.tracer.startSpan(`${operation} ${requestedModel}`, { kind: SpanKind.CLIENT });
    const ctx = span.spanContext();
    return { span, spanId: ctx.spanId, traceId: ctx.traceId };
  }

  /** Called after the reply is fully written; never throws into the request. */
  finish(call: CallSpan, record: CallRecord): void {
    setImmediate(() => {
      // Nothing catches a throw in a setImmediate callback but the process's uncaught-exception handler
      // (a 100,000-level request body once overflowed JSON.stringify here): lose the span, not the gateway.
      try {
        record.sampling = this.sampler.decide(call.spanId, record);
        this.endOtelSpan(call.span, record);
        const row = toSpanRow(call, record);
        this.writer.enqueue(row);
        record.settle?.({ costUsd: row.costUsd ?? 0, inputTokens: row.inputTokens ?? null, outputTokens: row.outputTokens ?? null });
        this.metrics.recordCall(record);
      } catch (err) {
        // A budget reservation left unsettled stays counted as spent: a budget errs toward refusing.
        this.logger.error(`span ${call.spanId} not recorded: ${(err as Error).message}`);
      }
    });
  }

  private endOtelSpan(span: Span, r: CallRecord): void {
    const endTime = r.startedAt.getTime() + (r.endedPerf - r.startedPerf);
    // Not recorded (no exporter): attributes would be dropped one by one.
    if (!span.isRecording()) return span.end(endTime);
    const req = r.request;
    const stats = r.stats;
    const maxTokens = num(req['max_completion_tokens']) ?? num(req['max_tokens']);
    const temperature = num(req['temperature']);
    const topP = num(req['top_p']);
    span.setAttributes({
      [ATTR_GEN_AI_OPERATION_NAME]: r.operation === 'chat' ? 'chat' : 'embeddings',
      [ATTR_GEN_AI_REQUEST_MODEL]: r.requestedModel,
      [ATTR_GEN_AI_REQUEST_STREAM]: r.stream,
      [SwitchyardAttr.ATTEMPTS]: r.attempts.length,
      [SwitchyardAttr.INTERNAL]: r.provenance.origin !== 'live',
    });
    if (r.provenance.origin !== 'live') span.setAttribute(SwitchyardAttr.ORIGIN, r.provenance.origin);
    if (r.cache) span.setAttributes({ [SwitchyardAttr.CACHE]: r.cache.kind, [SwitchyardAttr.COST_USD]: 0 });
    if (maxTokens !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MAX_TOKENS, maxTokens);
    if (temperature !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_TEMPERATURE, temperature);
    if (topP !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_TOP_P, topP);
    const plan = r.plan;
    if (plan) {
      const d = plan.decision;
      span.setAttributes({
        [SwitchyardAttr.WORKLOAD]: d.workload,
        [SwitchyardAttr.POLICY_VERSION]: d.policyVersion,
        [SwitchyardAttr.RULE]: d.rule,
        [SwitchyardAttr.STRATEGY]: d.strategy,
        [SwitchyardAttr.CANDIDATES]: [...plan.legs, ...plan.fallbacks].map((c) => c.model.id),
      });
      const open = d.excluded.filter((e) => e.reason === 'breaker_open' || e.reason === 'probe_busy').map((e) => e.model);
      const skipped = r.attempts.filter((a) => a.skipped === 'breaker_open').map((a) => a.model);
      if (open.length || skipped.length) span.setAttribute(SwitchyardAttr.BREAKERS_OPEN, [...new Set([...open, ...skipped])]);
      if (d.canary) span.setAttribute(SwitchyardAttr.CANARY_ARM, `${d.canary.name}:${d.canary.arm}`);
    }
    if (r.target) {
      span.setAttributes({ [ATTR_GEN_AI_PROVIDER_NAME]: r.target.provider.name, [SwitchyardAttr.CHOSEN_MODEL]: r.target.model.id });
    }
    if (r.fallbackReason) span.setAttribute(SwitchyardAttr.FALLBACK_REASON, r.fallbackReason);
    if (stats?.responseModel) span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, stats.responseModel);
    if (stats?.responseId) span.setAttribute(ATTR_GEN_AI_RESPONSE_ID, stats.responseId);
    if (stats?.finishReasons.length) span.setAttribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, stats.finishReasons);
    if (stats?.usage) {
      span.setAttributes({ [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: stats.usage.inputTokens, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: stats.usage.outputTokens });
      const cost = totalCostUsd(r, stats.usage);
      if (cost !== null) span.setAttribute(SwitchyardAttr.COST_USD, cost);
    }
    if (stats?.firstTokenAt !== undefined) span.setAttribute(SwitchyardAttr.TTFT_MS, Math.round(stats.firstTokenAt - r.startedPerf));
    if (r.status === 'error') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: r.errorMessage });
      if (r.errorClass) span.setAttribute(SwitchyardAttr.ERROR_CLASS, r.errorClass);
    }
    span.end(endTime);
  }
}
