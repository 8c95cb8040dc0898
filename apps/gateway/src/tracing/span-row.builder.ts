import { createHash } from 'node:crypto';
import type { NewSpanRow } from '@switchyard/db';
import type { RoutingDecision } from '@switchyard/routing';
import type { CallTarget, UpstreamUsage } from '../providers/provider.adapter.js';
import type { CallRecord } from './call-record.js';
import { assembleStreamedResponse } from './stream-assembler.js';

export const costUsd = (target: CallTarget, usage: UpstreamUsage): number =>
  (usage.inputTokens * target.model.pricing.inputUsdPerMTok + usage.outputTokens * target.model.pricing.outputUsdPerMTok) / 1_000_000;

/** The request's whole spend: the answer that served it plus any race legs it paid for and dropped; null when unknown. */
export function totalCostUsd(r: Pick<CallRecord, 'target' | 'attempts'>, usage: UpstreamUsage | undefined): number | null {
  const served = usage && r.target ? costUsd(r.target, usage) : undefined;
  let dropped = 0;
  for (const a of r.attempts) dropped += a.costUsd ?? 0;
  return served === undefined ? (dropped > 0 ? dropped : null) : served + dropped;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function parseResponse(bytes: CallRecord['responseBytes']): { response: unknown; deltaCount?: number } {
  if (!bytes) return { response: null };
  if (Array.isArray(bytes)) return assembleStreamedResponse(bytes);
  try {
    return { response: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return { response: { unparsed: bytes.toString('utf8', 0, Math.min(bytes.length, 4_096)) } };
  }
}

/** ~4 characters per token: only for streams cut off before the upstream reported usage. */
const estimateInputTokens = (request: Record<string, unknown>): number => Math.ceil(JSON.stringify(request['messages'] ?? request['input'] ?? '').length / 4);

/** How the decision was reached: what a reviewer needs to audit it later. */
function routingMetadata(d: RoutingDecision): Record<string, unknown> {
  return {
    workloadSource: d.workloadSource,
    ranked: d.ranked,
    ...(d.excluded.length ? { excluded: d.excluded } : {}),
    ...(d.legs.length > 1 ? { race: d.legs } : {}),
    ...(d.canary ? { canary: d.canary } : {}),
    ...(d.targetEmpty ? { targetEmpty: true } : {}),
  };
}

/** Builds the persisted row, applying the redaction mode. Runs after the reply has been written. */
export function toSpanRow(ids: { spanId: string; traceId: string }, r: CallRecord): NewSpanRow {
  const { response, deltaCount } = parseResponse(r.responseBytes);
  const metadata: Record<string, unknown> = {};
  let usage = r.stats?.usage;
  // A cache hit spent no tokens: nothing to estimate.
  if (!usage && !r.cache && r.stream && deltaCount !== undefined && r.target) {
    usage = { inputTokens: estimateInputTokens(r.request), outputTokens: deltaCount };
    metadata['usageEstimated'] = true;
  }
  const decision = r.plan?.decision;
  if (decision) metadata['routing'] = routingMetadata(decision);
  if (r.sampling) metadata['sampling'] = r.sampling;
  if (r.cache) {
    metadata['cache'] = r.cache.kind;
    if (r.cache.sourceSpanId) metadata['cacheSourceSpanId'] = r.cache.sourceSpanId;
  }
  if (r.provenance.caller) metadata['caller'] = r.provenance.caller;
  if (typeof r.request['user'] === 'string') metadata['user'] = r.request['user'];
  if (r.request['metadata'] && typeof r.request['metadata'] === 'object') metadata['request'] = r.request['metadata'];
  let requestBody: unknown = null;
  let responseBody: unknown = null;
  let requestHash: string | null = null;
  switch (r.redaction) {
    case 'full':
      requestBody = r.request;
      responseBody = response;
      break;
    case 'hashed':
      // Hashes still let people match identical prompts and answers without storing them.
      requestHash = sha256(JSON.stringify(r.request));
      if (response !== null) metadata['responseHash'] = sha256(JSON.stringify(response));
      break;
    case 'metadata-only':
      break;
  }
  return {
    spanId: ids.spanId,
    traceId: ids.traceId,
    startedAt: r.startedAt,
    latencyMs: Math.round(r.endedPerf - r.startedPerf),
    ttftMs: r.stats?.firstTokenAt !== undefined ? Math.max(0, Math.round(r.stats.firstTokenAt - r.startedPerf)) : null,
    operation: r.operation,
    tenant: r.provenance.tenantId ?? null,
    virtualKeyId: r.provenance.virtualKeyId ?? null,
    workload: decision?.workload ?? 'unrouted',
    policyVersion: decision?.policyVersion ?? 'none',
    strategy: decision?.strategy ?? 'none',
    rule: decision?.rule ?? null,
    requestedModel: r.requestedModel,
    model: r.target?.model.id ?? null,
    provider: r.target?.provider.name ?? null,
    responseModel: r.stats?.responseModel ?? null,
    candidates: r.plan ? [...r.plan.legs, ...r.plan.fallbacks].map((c) => c.model.id) : [],
    attempts: r.attempts,
    fallbackReason: r.fallbackReason ?? null,
    status: r.status,
    httpStatus: r.httpStatus,
    errorClass: r.errorClass ?? null,
    errorMessage: r.errorMessage ?? null,
    stream: r.stream,
    inputTokens: usage?.inputTokens ?? null,
    outputTokens: usage?.outputTokens ?? null,
    costUsd: r.cache ? 0 : totalCostUsd(r, usage),
    finishReasons: r.stats?.finishReasons.length ? r.stats.finishReasons : null,
    redaction: r.redaction,
    requestBody,
    responseBody,
    requestHash,
    metadata: Object.keys(metadata).length ? metadata : null,
    internal: r.provenance.origin !== 'live',
    origin: r.provenance.origin,
    runId: r.provenance.runId ?? null,
  };
}
