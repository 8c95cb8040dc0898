import type { LiveState } from '@switchyard/routing';
import type { UpstreamErrorClass } from '../providers/upstream.error.js';

/** One admitted call to a deployment. Exactly one of its methods takes effect. */
export interface DeploymentLease {
  succeed(outcome: { latencyMs: number; ttftMs?: number }): void;
  fail(errorClass: UpstreamErrorClass, outcome: { latencyMs: number; retryAfterMs?: number }): void;
  /** Ends the call without a verdict on the deployment: the client left, or a race leg lost. */
  release(): void;
}

/** What dispatch needs from live provider state: read it, and admit calls through the breakers. */
export interface DeploymentHealth extends LiveState {
  /** Undefined when the deployment's breaker refuses the call. */
  begin(model: string): DeploymentLease | undefined;
}

export const DEPLOYMENT_HEALTH = Symbol('DEPLOYMENT_HEALTH');
