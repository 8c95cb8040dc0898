import { Inject, Injectable, Logger, type LoggerService, Optional } from '@nestjs/common';
import type { DeploymentSnapshot, LiveState } from '@switchyard/routing';
import type { UpstreamErrorClass } from '../../providers/upstream.error.js';
import { type BreakerPermit, type BreakerSnapshot, CircuitBreaker } from './circuit-breaker.js';
import { RollingWindow } from './rolling-window.js';

export const LIVE_STATE_OPTIONS = Symbol('LIVE_STATE_OPTIONS');

export interface LiveStateOptions {
  /** Rolling window for latency, TTFT, error rate and the breaker's failure rate. */
  windowMs?: number;
  /** Breaker: failures in a row that open it. */
  consecutiveFailures?: number;
  /** Breaker: failure share over the window that opens it, given minRequests. */
  failureRate?: number;
  minRequests?: number;
  /** Breaker: open time before a probe is let through. */
  cooldownMs?: number;
  halfOpenProbes?: number;
  /** Out-of-rotation time after a 429 without a usable Retry-After. */
  rateLimitCooldownMs?: number;
  /** Cap on any cool-down, local (Retry-After) or from another instance. */
  maxCooldownMs?: number;
  /** Clock, for tests; Date.now otherwise. */
  now?: () => number;
}

export type LiveStateEventKind = 'breaker_open' | 'cooldown';

/** A local discovery other gateway instances should hear about. */
export interface LiveStateEvent {
  model: string;
  kind: LiveStateEventKind;
  /** Epoch ms the breaker may half-open / the cool-down ends. */
  until: number;
}

export interface SuccessReport {
  latencyMs: number;
  /** Streamed calls only. */
  ttftMs?: number;
}

export interface FailureReport {
  latencyMs?: number;
  retryAfterMs?: number;
}

export interface BeginOptions {
  /** An active health probe: feeds the breaker and cool-downs, but not the traffic latency or error rate. */
  healthCheck?: boolean;
}

/**
 * One admitted request. Exactly one of succeed / fail / release takes effect; later calls are
 * no-ops, so `finally { lease.release() }` after reporting the outcome cannot leak inFlight.
 */
export interface DeploymentLease {
  readonly model: string;
  succeed(report: SuccessReport): void;
  fail(errorClass: UpstreamErrorClass, report?: FailureReport): void;
  /** Ended without an outcome (client abort): counts neither way and frees any probe slot. */
  release(): void;
}

/** One deployment as the admin API shows it. */
export interface DeploymentDetails {
  model: string;
  snapshot: DeploymentSnapshot;
  breaker: BreakerSnapshot;
}

export type LiveStateListener = (event: LiveStateEvent) => void;

type LoggerLike = Pick<LoggerService, 'error'>;

/** A cool-down that extends the announced one by less than this is not announced again. */
const REANNOUNCE_STEP_MS = 1_000;

class Deployment {
  inFlight = 0;
  cooldownUntil = 0;
  announcedUntil = 0;
  /** Cached read model; undefined after a write, rebuilt by the next read. */
  snapshot: DeploymentSnapshot | undefined;
  /** Time-driven changes (bucket expiry, half-open, end of cool-down) also rebuild it. */
  validUntil = 0;

  constructor(
    readonly latency: RollingWindow<UpstreamErrorClass>,
    readonly ttft: RollingWindow,
    readonly breaker: CircuitBreaker,
  ) {}
}

/**
 * Live per-deployment state: rolling latency, TTFT and error rate, a circuit breaker, 429
 * cool-downs and in-flight counts, keyed by model id. `get` is on every routing decision, so it
 * returns a cached frozen snapshot that is rebuilt only after a write or a time-driven change.
 */
@Injectable()
export class DeploymentStateService implements LiveState {
  private readonly now: () => number;
  private readonly options: LiveStateOptions;
  private readonly rateLimitCooldownMs: number;
  private readonly maxCooldownMs: number;
  private readonly deployments = new Map<string, Deployment>();
  private readonly listeners = new Set<LiveStateListener>();
  private readonly logger: LoggerLike;

  constructor(@Optional() @Inject(LIVE_STATE_OPTIONS) options: LiveStateOptions = {}, @Optional() @Inject(Logger) logger?: LoggerLike) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.rateLimitCooldownMs = options.rateLimitCooldownMs ?? 5_000;
    this.maxCooldownMs = options.maxCooldownMs ?? 300_000;
    this.logger = logger ?? new Logger(DeploymentStateService.name);
  }

  get(model: string): DeploymentSnapshot | undefined {
    const deployment = this.deployments.get(model);
    return deployment && this.snapshotOf(deployment, this.now());
  }

  all(): DeploymentDetails[] {
    const now = this.now();
    return [...this.deployments].map(([model, d]) => ({ model, snapshot: this.snapshotOf(d, now), breaker: d.breaker.snapshot() }));
  }

  /**
   * Claims the breaker's admission for one request: undefined when the breaker refuses (open, or
   * half-open with every probe slot taken). A 429 cool-down does not refuse: routing already
   * skips cooling deployments, and a client that pinned the model gets the upstream's answer.
   */
  begin(model: string, options: BeginOptions = {}): DeploymentLease | undefined {
    const d = this.deployment(model);
    const permit = d.breaker.tryAcquire();
    if (!permit) return undefined;
    const health = options.healthCheck === true;
    d.inFlight++;
    d.snapshot = undefined;
    let open = true;
    const close = (): boolean => {
      if (!open) return false;
      open = false;
      d.inFlight--;
      d.snapshot = undefined;
      return true;
    };
    return {
      model,
      succeed: (report) => {
        if (close()) this.recordSuccess(d, permit, report, health);
      },
      fail: (errorClass, report = {}) => {
        if (close()) this.recordFailure(model, d, permit, errorClass, report, health);
      },
      release: () => {
        if (close()) d.breaker.release(permit);
      },
    };
  }

  /** Another instance opened this breaker: stay open until `until` (capped), without re-announcing it. */
  forceOpen(model: string, until: number): void {
    const d = this.deployment(model);
    const cap = this.now() + Math.max(this.maxCooldownMs, this.options.cooldownMs ?? 0);
    d.breaker.forceOpen(Math.min(until, cap));
    d.snapshot = undefined;
  }

  /** Another instance got a 429: keep out of rotation until `until` (capped), without re-announcing it. */
  setCooldown(model: string, until: number): void {
    const d = this.deployment(model);
    const capped = Math.min(until, this.now() + this.maxCooldownMs);
    if (capped <= d.cooldownUntil) return;
    d.cooldownUntil = capped;
    d.announcedUntil = Math.max(d.announcedUntil, capped);
    d.snapshot = undefined;
  }

  /** Called synchronously on the request path when a breaker opens or a cool-down starts; returns an unsubscribe. */
  onTrip(listener: LiveStateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private deployment(model: string): Deployment {
    let d = this.deployments.get(model);
    if (!d) {
      const now = this.now;
      const windowMs = this.options.windowMs ?? 60_000;
      d = new Deployment(
        new RollingWindow<UpstreamErrorClass>({ now, windowMs }),
        new RollingWindow({ now, windowMs }),
        new CircuitBreaker({
          now,
          windowMs,
          consecutiveFailures: this.options.consecutiveFailures,
          failureRate: this.options.failureRate,
          minRequests: this.options.minRequests,
          cooldownMs: this.options.cooldownMs,
          halfOpenProbes: this.options.halfOpenProbes,
        }),
      );
      this.deployments.set(model, d);
    }
    return d;
  }

  private snapshotOf(d: Deployment, now: number): DeploymentSnapshot {
    if (d.snapshot && now < d.validUntil) return d.snapshot;
    const coolingDown = d.cooldownUntil > now;
    const snapshot: DeploymentSnapshot = Object.freeze({
      available: !coolingDown && d.breaker.canAcquire(),
      breaker: d.breaker.state(),
      samples: d.latency.count(),
      p50Ms: d.latency.quantile(0.5),
      p95Ms: d.latency.quantile(0.95),
      p99Ms: d.latency.quantile(0.99),
      ttftP95Ms: d.ttft.quantile(0.95),
      errorRate: d.latency.errorRate(),
      inFlight: d.inFlight,
      cooldownUntil: coolingDown ? d.cooldownUntil : undefined,
    });
    d.snapshot = snapshot;
    d.validUntil = Math.min(
      d.latency.nextExpiryAt(),
      d.ttft.nextExpiryAt(),
      d.breaker.nextChangeAt() ?? Number.POSITIVE_INFINITY,
      coolingDown ? d.cooldownUntil : Number.POSITIVE_INFINITY,
    );
    return snapshot;
  }

  private recordSuccess(d: Deployment, permit: BreakerPermit, report: SuccessReport, health: boolean): void {
    if (!health) {
      d.latency.recordOutcome('ok');
      if (isDuration(report.latencyMs)) d.latency.recordLatency(report.latencyMs);
      if (isDuration(report.ttftMs)) d.ttft.recordLatency(report.ttftMs);
    }
    d.breaker.onSuccess(permit);
  }

  private recordFailure(model: string, d: Deployment, permit: BreakerPermit, errorClass: UpstreamErrorClass, report: FailureReport, health: boolean): void {
    switch (errorClass) {
      case 'bad_request':
      case 'content_filter':
        // The request's fault, not the deployment's: no sample, no breaker verdict.
        d.breaker.release(permit);
        return;
      case 'rate_limited':
        if (!health) d.latency.recordOutcome(errorClass);
        // Healthy but saturated: a cool-down, not a breaker failure.
        d.breaker.release(permit);
        this.coolDown(model, d, report.retryAfterMs);
        return;
      case 'timeout':
      case 'server_error':
      case 'connection':
      case 'auth': {
        if (!health) {
          d.latency.recordOutcome(errorClass);
          // Only a timeout's duration says something about latency; fast failures would make a broken deployment look quick.
          if (errorClass === 'timeout' && isDuration(report.latencyMs)) d.latency.recordLatency(report.latencyMs);
        }
        if (d.breaker.onFailure(permit, errorClass)) this.emit({ model, kind: 'breaker_open', until: d.breaker.nextChangeAt() ?? this.now() });
        return;
      }
    }
  }

  private coolDown(model: string, d: Deployment, retryAfterMs: number | undefined): void {
    const now = this.now();
    // Retry-After: 0 on a 429 is not a promise of capacity; the default keeps us from hammering.
    const wait = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : this.rateLimitCooldownMs;
    const until = now + Math.min(wait, this.maxCooldownMs);
    if (until <= d.cooldownUntil) return;
    const wasCooling = d.cooldownUntil > now;
    d.cooldownUntil = until;
    d.snapshot = undefined;
    // A burst of 429s would otherwise announce one cool-down per request.
    if (wasCooling && until - d.announcedUntil < REANNOUNCE_STEP_MS) return;
    d.announcedUntil = until;
    this.emit({ model, kind: 'cooldown', until });
  }

  private emit(event: LiveStateEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`live-state listener failed on ${event.kind} for ${event.model}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

const isDuration = (ms: number | undefined): ms is number => ms !== undefined && Number.isFinite(ms) && ms >= 0;
