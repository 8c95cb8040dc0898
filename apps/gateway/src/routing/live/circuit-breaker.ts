import type { BreakerState } from '@switchyard/routing';
import { RollingWindow } from './rolling-window.js';

export interface CircuitBreakerOptions {
  now: () => number;
  /** Failures in a row that open the breaker. */
  consecutiveFailures?: number;
  /** Failure share over the window above which the breaker opens (given minRequests). */
  failureRate?: number;
  /** Outcomes the window must hold before failureRate is judged. */
  minRequests?: number;
  /** How long the breaker stays open before it lets probes through. */
  cooldownMs?: number;
  /** Concurrent requests admitted while half-open. */
  halfOpenProbes?: number;
  windowMs?: number;
}

/**
 * Proof that the breaker admitted a request; its outcome goes back with it. Outcomes of permits
 * issued before the breaker last opened or closed are stale and move nothing: a slow success
 * from before a trip must not close a breaker that is waiting for a probe.
 */
export interface BreakerPermit {
  readonly generation: number;
  readonly probe: boolean;
}

/** Breaker details for the admin API. */
export interface BreakerSnapshot {
  state: BreakerState;
  /** Epoch ms the current state began. */
  since: number;
  /** Times the breaker has opened, locally or by forceOpen. */
  opens: number;
  consecutiveFailures: number;
  lastFailureClass?: string;
  lastFailureAt?: number;
  /** While open: epoch ms it turns half-open. */
  reopensAt?: number;
  probesInFlight: number;
}

/**
 * closed -> open on `consecutiveFailures` in a row, or on a failure rate above `failureRate` with
 * at least `minRequests` in the window; open -> half-open after `cooldownMs`; half-open admits
 * `halfOpenProbes` at a time and closes on a probe success or reopens on a probe failure.
 * Callers report only failures that speak to the deployment's health.
 */
export class CircuitBreaker {
  private readonly now: () => number;
  private readonly consecutiveLimit: number;
  private readonly failureRate: number;
  private readonly minRequests: number;
  private readonly cooldownMs: number;
  private readonly halfOpenProbes: number;
  private readonly window: RollingWindow;

  private current: BreakerState = 'closed';
  private since: number;
  private reopensAt = 0;
  private generation = 0;
  private opens = 0;
  private consecutive = 0;
  private probesInFlight = 0;
  private lastFailureClass: string | undefined;
  private lastFailureAt: number | undefined;

  constructor(options: CircuitBreakerOptions) {
    this.now = options.now;
    this.consecutiveLimit = options.consecutiveFailures ?? 5;
    this.failureRate = options.failureRate ?? 0.5;
    this.minRequests = options.minRequests ?? 20;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.halfOpenProbes = options.halfOpenProbes ?? 1;
    this.window = new RollingWindow({ now: options.now, windowMs: options.windowMs ?? 60_000 });
    this.since = this.now();
  }

  state(): BreakerState {
    this.settle();
    return this.current;
  }

  /** Whether tryAcquire would admit a request now, without taking a slot. */
  canAcquire(): boolean {
    this.settle();
    switch (this.current) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half_open':
        return this.probesInFlight < this.halfOpenProbes;
    }
  }

  /** A permit when the request may go (taking a probe slot while half-open); undefined when refused. */
  tryAcquire(): BreakerPermit | undefined {
    if (!this.canAcquire()) return undefined;
    if (this.current === 'closed') return { generation: this.generation, probe: false };
    this.probesInFlight++;
    return { generation: this.generation, probe: true };
  }

  onSuccess(permit: BreakerPermit): void {
    this.settle();
    if (permit.generation !== this.generation) return;
    if (permit.probe) {
      this.close();
      return;
    }
    this.consecutive = 0;
    this.window.recordOutcome('ok');
  }

  /** Returns true when this failure opened the breaker. */
  onFailure(permit: BreakerPermit, errorClass: string): boolean {
    this.settle();
    const now = this.now();
    this.lastFailureClass = errorClass;
    this.lastFailureAt = now;
    if (permit.generation !== this.generation) return false;
    if (permit.probe) {
      this.open(now + this.cooldownMs);
      return true;
    }
    this.consecutive++;
    this.window.recordOutcome(errorClass);
    const rateTripped = this.window.count() >= this.minRequests && this.window.errorRate() > this.failureRate;
    if (this.consecutive < this.consecutiveLimit && !rateTripped) return false;
    this.open(now + this.cooldownMs);
    return true;
  }

  /** The request ended without a verdict on health (client abort, 429, bad request): frees its probe slot. */
  release(permit: BreakerPermit): void {
    this.settle();
    if (permit.probe && permit.generation === this.generation && this.probesInFlight > 0) this.probesInFlight--;
  }

  /** Opens until `until` (another instance saw the failures); never shortens an open period already running. */
  forceOpen(until: number): void {
    this.settle();
    if (until <= this.now()) return;
    if (this.current === 'open') {
      this.reopensAt = Math.max(this.reopensAt, until);
      return;
    }
    this.open(until);
  }

  /** When the state changes by time alone (open -> half-open); undefined when only a call can change it. */
  nextChangeAt(): number | undefined {
    this.settle();
    return this.current === 'open' ? this.reopensAt : undefined;
  }

  snapshot(): BreakerSnapshot {
    this.settle();
    return {
      state: this.current,
      since: this.since,
      opens: this.opens,
      consecutiveFailures: this.consecutive,
      lastFailureClass: this.lastFailureClass,
      lastFailureAt: this.lastFailureAt,
      reopensAt: this.current === 'open' ? this.reopensAt : undefined,
      probesInFlight: this.probesInFlight,
    };
  }

  /** Open turns half-open by the clock alone, so every entry point catches up first. */
  private settle(): void {
    if (this.current === 'open' && this.now() >= this.reopensAt) {
      this.current = 'half_open';
      this.since = this.reopensAt;
      this.probesInFlight = 0;
    }
  }

  private open(until: number): void {
    this.current = 'open';
    this.since = this.now();
    this.reopensAt = until;
    this.generation++;
    this.opens++;
    this.probesInFlight = 0;
  }

  private close(): void {
    this.current = 'closed';
    this.since = this.now();
    this.generation++;
    this.consecutive = 0;
    this.probesInFlight = 0;
    // The failures that opened it would otherwise trip it again on the next error.
    this.window.reset();
  }
}
