import { Inject, Injectable, Logger, type LoggerService, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import type { UpstreamErrorClass } from '../../providers/upstream.error.js';
import { DeploymentStateService } from './deployment-state.service.js';

export const HEALTH_PROBE_OPTIONS = Symbol('HEALTH_PROBE_OPTIONS');

/**
 * Sends one small request to `model` and resolves when it succeeded. Rejects with an object
 * carrying `errorClass` (an UpstreamError fits) on failure; should stop when `signal` aborts.
 */
export type HealthProbeFn = (model: string, signal: AbortSignal) => Promise<void>;

export interface HealthProbeTarget {
  provider: string;
  /** The model probed on the provider's behalf; its breaker takes the result. */
  model: string;
  intervalMs: number;
  timeoutMs: number;
}

export interface HealthProbeOptions {
  probe: HealthProbeFn;
  targets: readonly HealthProbeTarget[];
}

type ProbeLogger = Pick<LoggerService, 'warn'>;

/** Every class, so a rejection's `errorClass` can be checked at runtime; a new class fails to compile here. */
const ERROR_CLASSES: Record<UpstreamErrorClass, true> = {
  rate_limited: true,
  server_error: true,
  timeout: true,
  connection: true,
  bad_request: true,
  auth: true,
  content_filter: true,
};

const isErrorClass = (value: unknown): value is UpstreamErrorClass => typeof value === 'string' && Object.hasOwn(ERROR_CLASSES, value);

function classify(error: unknown): { errorClass: UpstreamErrorClass; retryAfterMs?: number } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { errorClass, retryAfterMs } = error as { errorClass?: unknown; retryAfterMs?: unknown };
  if (!isErrorClass(errorClass)) return undefined;
  return { errorClass, retryAfterMs: typeof retryAfterMs === 'number' ? retryAfterMs : undefined };
}

/**
 * Optional active health checks: every `intervalMs`, one small request per provider, its result
 * fed to that model's breaker. Lets a quiet deployment's breaker open before users hit it, and
 * close again without waiting for live traffic to risk a probe.
 */
@Injectable()
export class HealthProbeService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly probe: HealthProbeFn;
  private readonly targets: readonly HealthProbeTarget[];
  private readonly logger: ProbeLogger;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Per provider, the probe still running: the next tick skips it rather than stacking a second one. */
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopped = true;

  constructor(
    @Inject(HEALTH_PROBE_OPTIONS) options: HealthProbeOptions,
    private readonly state: DeploymentStateService,
    @Optional() @Inject(Logger) logger?: ProbeLogger,
  ) {
    this.probe = options.probe;
    this.targets = options.targets;
    this.logger = logger ?? new Logger(HealthProbeService.name);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** First probes go out one interval after start. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const target of this.targets) {
      // unref: probes alone must not keep the process alive.
      this.timers.push(setInterval(() => void this.probeNow(target), target.intervalMs).unref());
    }
  }

  /** Clears the timers and aborts running probes; an aborted probe counts neither way. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const { controller } of this.running.values()) controller.abort(new Error('health probes stopped'));
  }

  /**
   * Probes one target now, unless its provider's previous probe is still running or the breaker
   * refuses (open, or the half-open slot is taken by live traffic). Resolves when it is done.
   */
  probeNow(target: HealthProbeTarget): Promise<void> {
    const running = this.running.get(target.provider);
    if (running) return running.done;
    const lease = this.state.begin(target.model, { healthCheck: true });
    if (!lease) return Promise.resolve();

    const controller = new AbortController();
    const startedAt = Date.now();
    // A probe that ignores its signal still fails on time; it keeps its provider's slot until it settles.
    const timer = setTimeout(() => {
      lease.fail('timeout', { latencyMs: target.timeoutMs });
      controller.abort(new Error(`health probe timed out after ${target.timeoutMs} ms`));
    }, target.timeoutMs).unref();

    const done = (async () => {
      try {
        await this.probe(target.model, controller.signal);
        // After a timeout or stop the outcome is already settled; a late success changes nothing.
        if (!controller.signal.aborted) lease.succeed({ latencyMs: Date.now() - startedAt });
      } catch (error) {
        if (controller.signal.aborted) return;
        const failure = classify(error);
        if (failure) lease.fail(failure.errorClass, { latencyMs: Date.now() - startedAt, retryAfterMs: failure.retryAfterMs });
        // Without a class it is the probe function's bug, not the deployment's failure.
        else this.logger.warn(`health probe for ${target.provider}/${target.model} rejected without an errorClass: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
        lease.release();
        this.running.delete(target.provider);
      }
    })();
    this.running.set(target.provider, { controller, done });
    return done;
  }
}
