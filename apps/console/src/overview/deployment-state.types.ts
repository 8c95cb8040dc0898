/**
 * `GET /admin/deployments`. No contract in libs/contracts describes it (the gateway builds it from
 * its live-state service), so this is the narrow shape the console reads.
 */
export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface DeploymentEntry {
  model: string;
  provider: string;
  /** False until the deployment has served or failed a call on this gateway instance. */
  observed: boolean;
  snapshot?: {
    available: boolean;
    breaker: BreakerStateName;
    samples: number;
    p50Ms?: number;
    p95Ms?: number;
    errorRate: number;
    inFlight: number;
    cooldownUntil?: number;
  };
  breaker?: {
    state: BreakerStateName;
    since: number;
    opens: number;
    consecutiveFailures: number;
    lastFailureClass?: string;
    reopensAt?: number;
  };
}

export interface DeploymentList {
  object: 'list';
  data: DeploymentEntry[];
}
