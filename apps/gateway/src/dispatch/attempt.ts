import type { UpstreamErrorClass } from '../providers/upstream.error.js';

/** One try of one deployment, as recorded on the span. */
export interface Attempt {
  model: string;
  provider: string;
  latencyMs: number;
  errorClass?: UpstreamErrorClass;
  status?: number;
  message?: string;
  /** 1 for the first retry of the same deployment, and so on. */
  retry?: number;
  /** A leg of a race. */
  race?: boolean;
  /** Aborted or dropped by the gateway: a race leg that lost. */
  cancelled?: boolean;
  /** What a losing race leg cost: its usage when it finished anyway, else its prompt (estimated) at the input price. */
  costUsd?: number;
  /** Not sent: the deployment's breaker refused it, its context window is too small, or no key of its provider had room under the outbound limits. */
  skipped?: 'breaker_open' | 'context_window' | 'rate_limited';
  /** Which of the provider's keys it went out with (index in `apiKeys`), when the provider has several. */
  keyIndex?: number;
}
