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
  /** Aborted by the gateway: a race leg that lost. */
  cancelled?: boolean;
  /** Not sent: the deployment's breaker refused it, or its context window is too small. */
  skipped?: 'breaker_open' | 'context_window';
}
