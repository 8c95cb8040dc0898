import type { FallbackTrigger, RetryPolicy } from '@switchyard/contracts';
import type { RoutingDecision } from '@switchyard/routing';
import type { CallTarget } from '../providers/provider.adapter.js';

/** A routing decision with its models resolved to deployments: what dispatch executes. */
export interface DispatchPlan {
  decision: RoutingDecision;
  /** Sent at once: one target, or the legs of a race. */
  legs: CallTarget[];
  /** Tried one by one once the legs fail with a class in `fallbackOn`. */
  fallbacks: CallTarget[];
  fallbackOn: ReadonlySet<FallbackTrigger>;
  retries: RetryPolicy;
  /** Estimated prompt tokens, for what a cancelled race leg cost and the outbound token ceilings. */
  inputTokens: number;
  /** The request's max_completion_tokens / max_tokens (0 for embeddings); unset: none given. Reserved against outbound token ceilings. */
  maxOutputTokens?: number;
}
