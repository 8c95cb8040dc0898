export interface RollingWindowOptions {
  now: () => number;
  /** Span of the window; data older than this (give or take one bucket) no longer counts. */
  windowMs?: number;
  /** Ring size: the window expires in steps of windowMs / buckets. */
  buckets?: number;
  /** Smallest and largest latency the histogram tells apart; values outside land in the edge bins. */
  minMs?: number;
  maxMs?: number;
  /** Bin width ratio; the geometric-midpoint estimate is off by at most sqrt(growth) - 1 (4.9% at 1.1). */
  growth?: number;
}

/** What a call ended with: 'ok' or its error class. */
export type WindowOutcome<E extends string> = 'ok' | E;

interface Bucket<E extends string> {
  /** floor(time / bucketMs) this slot currently holds; stale slots are cleared on reuse. */
  epoch: number;
  /** Allocated on the first latency sample: outcome-only windows (the breaker's) never pay for it. */
  bins: Uint32Array | undefined;
  latencies: number;
  minMs: number;
  maxMs: number;
  completed: number;
  failed: number;
  failedByClass: Map<E, number>;
}

const emptyBucket = <E extends string>(epoch: number): Bucket<E> => ({
  epoch,
  bins: undefined,
  latencies: 0,
  minMs: Number.POSITIVE_INFINITY,
  maxMs: Number.NEGATIVE_INFINITY,
  completed: 0,
  failed: 0,
  failedByClass: new Map(),
});

/** Cached quantiles beyond this many distinct q values are dropped, so odd callers cannot grow it. */
const MAX_CACHED_QUANTILES = 16;

/**
 * Latency histogram and outcome counts over a sliding time window, in fixed memory: a ring of
 * time buckets, each with a log-scaled histogram. A running merge of the live buckets is kept up
 * to date on every write and on expiry, and quantiles read from it are cached until the next
 * change, so the routing hot path reads in O(1) amortised.
 */
export class RollingWindow<E extends string = string> {
  readonly windowMs: number;
  readonly bucketMs: number;
  private readonly now: () => number;
  private readonly minMs: number;
  private readonly growth: number;
  private readonly invLogGrowth: number;
  /** Bin 0 is below minMs, the last bin at or above maxMs, the rest log-spaced between. */
  private readonly binCount: number;
  private readonly ring: Bucket<E>[];
  /** Newest epoch seen; the live buckets are (head - ring.length, head]. */
  private head: number;

  private readonly merged: Bucket<E> = emptyBucket(0);
  private extremesStale = false;
  private readonly quantileCache = new Map<number, number | undefined>();

  constructor(options: RollingWindowOptions) {
    this.now = options.now;
    this.windowMs = options.windowMs ?? 60_000;
    const buckets = options.buckets ?? 12;
    if (!(this.windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) throw new Error('RollingWindow needs windowMs > 0 and an integer buckets >= 1');
    this.bucketMs = this.windowMs / buckets;
    this.minMs = options.minMs ?? 1;
    const maxMs = options.maxMs ?? 600_000;
    this.growth = options.growth ?? 1.1;
    if (!(this.minMs > 0) || !(maxMs > this.minMs) || !(this.growth > 1)) throw new Error('RollingWindow needs 0 < minMs < maxMs and growth > 1');
    this.invLogGrowth = 1 / Math.log(this.growth);
    this.binCount = Math.ceil(Math.log(maxMs / this.minMs) * this.invLogGrowth) + 2;
    this.head = this.epochOf(this.now());
    this.ring = Array.from({ length: buckets }, () => emptyBucket<E>(Number.NEGATIVE_INFINITY));
  }

  /** Bins per histogram; memory is buckets * bins * 4 bytes, whatever the traffic. */
  get bins(): number {
    return this.binCount;
  }

  recordLatency(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const bucket = this.current();
    const bin = this.binOf(ms);
    bucket.bins ??= new Uint32Array(this.binCount);
    bucket.bins[bin]++;
    bucket.latencies++;
    bucket.minMs = Math.min(bucket.minMs, ms);
    bucket.maxMs = Math.max(bucket.maxMs, ms);
    const merged = this.merged;
    merged.bins ??= new Uint32Array(this.binCount);
    merged.bins[bin]++;
    merged.latencies++;
    merged.minMs = Math.min(merged.minMs, ms);
    merged.maxMs = Math.max(merged.maxMs, ms);
    this.quantileCache.clear();
  }

  recordOutcome(outcome: WindowOutcome<E>): void {
    const bucket = this.current();
    bucket.completed++;
    this.merged.completed++;
    if (outcome === 'ok') return;
    bucket.failed++;
    this.merged.failed++;
    const errorClass = outcome;
    bucket.failedByClass.set(errorClass, (bucket.failedByClass.get(errorClass) ?? 0) + 1);
    this.merged.failedByClass.set(errorClass, (this.merged.failedByClass.get(errorClass) ?? 0) + 1);
  }

  /** Nearest-rank quantile of the latencies in the window, q in [0, 1]; undefined when there are none. */
  quantile(q: number): number | undefined {
    this.advance();
    if (this.quantileCache.has(q)) return this.quantileCache.get(q);
    const value = this.computeQuantile(q);
    if (this.quantileCache.size >= MAX_CACHED_QUANTILES) this.quantileCache.clear();
    this.quantileCache.set(q, value);
    return value;
  }

  /** Latency samples in the window. */
  latencyCount(): number {
    this.advance();
    return this.merged.latencies;
  }

  /** Outcomes (successes plus failures) in the window. */
  count(): number {
    this.advance();
    return this.merged.completed;
  }

  /** Failures in the window, of one class or of all. */
  failures(errorClass?: E): number {
    this.advance();
    return errorClass === undefined ? this.merged.failed : (this.merged.failedByClass.get(errorClass) ?? 0);
  }

  /** Failed / completed over the window; 0 when empty. */
  errorRate(): number {
    this.advance();
    return this.merged.completed === 0 ? 0 : this.merged.failed / this.merged.completed;
  }

  /**
   * When the oldest bucket holding data leaves the window, i.e. the next time a read can change
   * without a write; +Infinity when the window is empty. Lets callers cache derived values.
   */
  nextExpiryAt(): number {
    this.advance();
    let oldest = Number.POSITIVE_INFINITY;
    for (const bucket of this.ring) {
      if (bucket.epoch > this.head - this.ring.length && (bucket.completed > 0 || bucket.latencies > 0)) oldest = Math.min(oldest, bucket.epoch);
    }
    return oldest === Number.POSITIVE_INFINITY ? oldest : (oldest + this.ring.length) * this.bucketMs;
  }

  reset(): void {
    for (const bucket of this.ring) this.clear(bucket, Number.NEGATIVE_INFINITY);
    this.clear(this.merged, 0);
    this.extremesStale = false;
    this.quantileCache.clear();
  }

  private epochOf(time: number): number {
    return Math.floor(time / this.bucketMs);
  }

  private binOf(ms: number): number {
    if (ms < this.minMs) return 0;
    const bin = 1 + Math.floor(Math.log(ms / this.minMs) * this.invLogGrowth);
    return Math.min(bin, this.binCount - 1);
  }

  /** The bucket for now, after expiring whatever left the window. */
  private current(): Bucket<E> {
    this.advance();
    const slot = this.ring[((this.head % this.ring.length) + this.ring.length) % this.ring.length];
    if (slot.epoch !== this.head) this.clear(slot, this.head);
    return slot;
  }

  /** Expires buckets that fell out of the window. A clock that steps back keeps writing to the head. */
  private advance(): void {
    const epoch = this.epochOf(this.now());
    if (epoch <= this.head) return;
    this.head = epoch;
    const oldestLive = epoch - this.ring.length + 1;
    for (const bucket of this.ring) {
      if (bucket.epoch < oldestLive && bucket.epoch !== Number.NEGATIVE_INFINITY) this.expire(bucket);
    }
  }

  private expire(bucket: Bucket<E>): void {
    const merged = this.merged;
    if (bucket.latencies > 0 && bucket.bins && merged.bins) {
      for (let i = 0; i < this.binCount; i++) merged.bins[i] -= bucket.bins[i];
      merged.latencies -= bucket.latencies;
      // A bucket that held the window's extreme takes it along; recomputed lazily from the ring.
      if (bucket.minMs <= merged.minMs || bucket.maxMs >= merged.maxMs) this.extremesStale = true;
      this.quantileCache.clear();
    }
    merged.completed -= bucket.completed;
    merged.failed -= bucket.failed;
    for (const [errorClass, n] of bucket.failedByClass) {
      const left = (merged.failedByClass.get(errorClass) ?? 0) - n;
      if (left > 0) merged.failedByClass.set(errorClass, left);
      else merged.failedByClass.delete(errorClass);
    }
    this.clear(bucket, Number.NEGATIVE_INFINITY);
  }

  private clear(bucket: Bucket<E>, epoch: number): void {
    bucket.epoch = epoch;
    bucket.bins?.fill(0);
    bucket.latencies = 0;
    bucket.minMs = Number.POSITIVE_INFINITY;
    bucket.maxMs = Number.NEGATIVE_INFINITY;
    bucket.completed = 0;
    bucket.failed = 0;
    bucket.failedByClass.clear();
  }

  private refreshExtremes(): void {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const bucket of this.ring) {
      if (bucket.latencies === 0) continue;
      min = Math.min(min, bucket.minMs);
      max = Math.max(max, bucket.maxMs);
    }
    this.merged.minMs = min;
    this.merged.maxMs = max;
    this.extremesStale = false;
  }

  private computeQuantile(q: number): number | undefined {
    const merged = this.merged;
    if (merged.latencies === 0 || !merged.bins) return undefined;
    if (this.extremesStale) this.refreshExtremes();
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * merged.latencies));
    let seen = 0;
    let bin = 0;
    for (; bin < this.binCount; bin++) {
      seen += merged.bins[bin];
      if (seen >= rank) break;
    }
    // The edge bins are open-ended: the observed extreme is the best estimate there.
    if (bin === 0) return merged.minMs;
    if (bin >= this.binCount - 1) return merged.maxMs;
    // Geometric midpoint of the bin, clamped to what was actually seen (exact for a single value).
    return Math.min(merged.maxMs, Math.max(merged.minMs, this.minMs * this.growth ** (bin - 0.5)));
  }
}
