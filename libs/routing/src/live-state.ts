/** Breaker states, as shown on spans and in the admin API. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * What routing may know about one deployment (a configured model at its provider) right now.
 * The gateway keeps it up to date; the optimizer replays with recorded or synthetic snapshots.
 */
export interface DeploymentSnapshot {
  /**
   * False while the breaker is open, while the deployment cools down after a 429, or while it is
   * half-open with every probe slot taken. Routing never picks an unavailable deployment.
   */
  available: boolean;
  breaker: BreakerState;
  /** Requests completed inside the rolling window. */
  samples: number;
  /** Latency quantiles over the window, in ms; undefined until the window holds a sample. */
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  /** Time to first token, p95 over the window's streamed calls. */
  ttftP95Ms?: number;
  /** Failed / completed over the window (0 when empty). */
  errorRate: number;
  /** Requests sent and not yet finished. */
  inFlight: number;
  /** Epoch ms until which a 429 (Retry-After) keeps the deployment out of rotation. */
  cooldownUntil?: number;
}

/** Read side of live provider state. Keyed by model id: each configured model is one deployment. */
export interface LiveState {
  /** Undefined when nothing is known yet: a cold deployment, treated as available. */
  get(model: string): DeploymentSnapshot | undefined;
}

/** No live data at all: every deployment is cold and available. For offline replay and tests. */
export const EMPTY_LIVE_STATE: LiveState = Object.freeze({ get: () => undefined });
