import type { EvaluationSettings, FallbackTrigger, RetryPolicy } from '@switchyard/contracts';

export type WorkloadSource = 'header' | 'key' | 'alias' | 'rule' | 'default';

/** Why a candidate was left out, as shown on the span. */
export type ExclusionReason = 'breaker_open' | 'cooldown' | 'probe_busy' | 'unavailable' | 'context_window' | 'filtered';

export interface RankedCandidate {
  model: string;
  /** The metric the strategy ranked by (cost, quality, p95, in-flight, weight); null when it had none. */
  score: number | null;
}

/** Everything routing decided for one request; the gateway acts on it and records it on the span. */
export interface RoutingDecision {
  policyVersion: string;
  workload: string;
  workloadSource: WorkloadSource;
  /** `pinned`, the matched rule's name, or `canary:<name>` when the canary target served. */
  rule: string;
  /** `pinned`, or the target's filters and selector, e.g. `quality_floor>cheapest>round_robin`. */
  strategy: string;
  ranked: RankedCandidate[];
  excluded: { model: string; reason: ExclusionReason }[];
  /** First to try; undefined when no candidate or fallback is available. */
  chosen?: string;
  /** Sent at once: [chosen] normally, the k legs of a race. */
  legs: string[];
  /** Tried in order after the legs fail with a class in `fallbackOn`. */
  fallbacks: string[];
  fallbackOn: readonly FallbackTrigger[];
  retries: RetryPolicy;
  canary?: { name: string; arm: 'canary' | 'control' };
  /** Set when the target itself yielded nothing and the fallback chain served. */
  targetEmpty?: boolean;
  /** How this workload's calls are sampled for judging and exploration. */
  evaluation: EvaluationSettings;
}
