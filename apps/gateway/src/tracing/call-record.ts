import type { RedactionMode } from '@switchyard/config';
import type { Attempt } from '../dispatch/attempt.js';
import type { CallStats, CallTarget } from '../providers/provider.adapter.js';
import type { CallProvenance } from '../calls/internal-call.js';
import type { DispatchPlan } from '../dispatch/dispatch-plan.js';
import type { RouteOperation } from '../routing/route-resolver.service.js';

/** Everything known about one call once it has ended; becomes one OTel span and one `spans` row. */
export interface CallRecord {
  operation: RouteOperation;
  startedAt: Date;
  startedPerf: number;
  endedPerf: number;
  requestedModel: string;
  request: Record<string, unknown>;
  stream: boolean;
  plan?: DispatchPlan;
  /** The deployment that served (or last failed). */
  target?: CallTarget;
  attempts: Attempt[];
  /** performance.now() when the serving attempt was sent (DispatchSuccess.sentAt); unset when nothing served. */
  sentAt?: number;
  fallbackReason?: string;
  status: 'ok' | 'error' | 'cancelled';
  httpStatus: number;
  errorClass?: string;
  errorMessage?: string;
  stats?: CallStats;
  /** Raw response bytes: the JSON body, or the SSE chunks as sent. Parsed only after the reply is done. */
  responseBytes?: Buffer | Uint8Array[];
  redaction: RedactionMode;
  provenance: CallProvenance;
  /** Set when this call was sampled for judging (decided once the call ended). */
  sampling?: CallSampling;
  /** Books the call's cost and tokens against its budgets and rate limits once the span row is built. */
  settle?: (usage: { costUsd: number; inputTokens: number | null; outputTokens: number | null }) => void;
  /** Set when the answer came from the response cache: no upstream attempt, nothing spent. */
  cache?: CallCache;
}

export interface CallCache {
  kind: 'exact';
  /** The span whose answer was replayed. */
  sourceSpanId?: string;
}

export interface CallSampling {
  rubric: string;
  /** Also replayed to up to `k` of these other models once judged. */
  shadow?: { k: number; models: string[] };
}
