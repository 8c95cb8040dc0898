const BINS_PER_DECADE = 20;
const MIN_MS = 1;
const DECADES = 6; // 1 ms … 1,000 s
const BINS = BINS_PER_DECADE * DECADES;

/**
 * Streaming latency quantiles over fixed log-spaced bins (20 per decade, 1 ms to 1,000 s): memory
 * is constant, histograms add up, and a quantile is off by at most one bin's width (about 12%).
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BINS + 2);
  n = 0;

  add(ms: number): void {
    const bin = ms < MIN_MS ? 0 : Math.min(BINS + 1, 1 + Math.floor(Math.log10(ms / MIN_MS) * BINS_PER_DECADE));
    this.counts[bin]++;
    this.n++;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.n += other.n;
  }

  /** The q-quantile in ms, interpolated geometrically within its bin; NaN when empty. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const target = q * this.n;
    let seen = 0;
    for (let bin = 0; bin < this.counts.length; bin++) {
      const count = this.counts[bin];
      if (count === 0 || seen + count < target) {
        seen += count;
        continue;
      }
      if (bin === 0) return MIN_MS;
      const lower = MIN_MS * 10 ** ((bin - 1) / BINS_PER_DECADE);
      const within = Math.min(1, Math.max(0, (target - seen) / count));
      return lower * 10 ** (within / BINS_PER_DECADE);
    }
    return MIN_MS * 10 ** DECADES;
  }
}
