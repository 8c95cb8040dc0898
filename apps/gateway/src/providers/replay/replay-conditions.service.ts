import { createHash } from 'node:crypto';
import type { ProviderConfig } from '@switchyard/config';
import { seededRng } from '@switchyard/routing';

/** A latency setting: the whole call's median and 95th percentile, in ms. */
export interface LatencySpec {
  medianMs: number;
  p95Ms: number;
}

/** An error a replayed call answers with instead of its recording. */
export interface InjectedFault {
  status: number;
  retryAfterMs?: number;
  /** The configured rate that drew it, for the error message. */
  errorRate: number;
}

/** The 95th percentile of the standard normal distribution. */
const Z95 = 1.6448536269514722;

/** One standard normal draw (Box-Muller); `1 - rng()` keeps the logarithm's argument in (0, 1]. */
export function standardNormal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * A lognormal sampler with the given median and p95: ln(latency) ~ N(ln median, sigma²), with sigma
 * set so that exp(ln median + 1.645 sigma) = p95. p95 = median gives a constant latency.
 */
export function lognormalSampler(spec: LatencySpec, rng: () => number): () => number {
  const mu = Math.log(spec.medianMs);
  const sigma = (Math.log(spec.p95Ms) - mu) / Z95;
  return () => Math.exp(mu + sigma * standardNormal(rng));
}

/** 32 bits of sha256 over the parts: a seed for one RNG stream. */
const streamSeed = (...parts: Array<string | number>): number => createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0);

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts (as fetch does), so a
 * client that leaves mid-wait ends the wait and frees the timer.
 */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits until `performance.now()` reaches `deadline`. A timer may fire a little early against that
 * clock (libuv schedules from its cached loop time, in whole ms), and a stream's chained waits would
 * add those shortfalls up: each wait aims at its own point on one timeline instead.
 */
export async function waitUntil(deadline: number, signal: AbortSignal): Promise<void> {
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) await abortableDelay(Math.ceil(left), signal);
}

/**
 * The latency and injected errors a replay provider's calls meet, from its `latency`, `faults`
 * and `seed` options. Each model draws from its own seeded streams (one for latency, one for
 * faults), so a model's sequence of draws repeats run after run whatever the other models do, and
 * turning latency on does not change which calls fail.
 */
export class ReplayConditions {
  private readonly latencies = new Map<string, (() => number) | undefined>();
  private readonly faultStreams = new Map<string, () => number>();
  private readonly seed: number;

  constructor(private readonly provider: ProviderConfig) {
    this.seed = provider.seed ?? 0;
  }

  /** The whole call's latency for this model's next call, in ms; 0 when neither the model nor `default` has one. */
  latencyMs(modelId: string): number {
    if (!this.latencies.has(modelId)) {
      const latency = this.provider.latency;
      const spec = latency && (Object.hasOwn(latency.models, modelId) ? latency.models[modelId] : latency.default);
      this.latencies.set(modelId, spec && lognormalSampler(spec, seededRng(streamSeed(this.seed, 'latency', this.provider.name, modelId))));
    }
    return this.latencies.get(modelId)?.() ?? 0;
  }

  /** The error this model's next call answers with, if the draw picks one. */
  fault(modelId: string): InjectedFault | undefined {
    const faults = this.provider.faults;
    if (!faults) return undefined;
    const spec = Object.hasOwn(faults.models, modelId) ? faults.models[modelId] : faults;
    if (spec.errorRate <= 0) return undefined;
    let rng = this.faultStreams.get(modelId);
    if (!rng) {
      rng = seededRng(streamSeed(this.seed, 'faults', this.provider.name, modelId));
      this.faultStreams.set(modelId, rng);
    }
    return rng() < spec.errorRate ? { status: spec.status, retryAfterMs: spec.retryAfterMs, errorRate: spec.errorRate } : undefined;
  }
}
