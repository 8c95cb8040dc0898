import type { ScoreSource } from '@switchyard/db';
import { welchFromSummaries } from '@switchyard/scoring';

export interface DriftOptions {
  /** Scores newer than this (before the fit's end) are "recent"; older ones in the window are the history. */
  recentMs: number;
  /** Scores each side needs, per source, before a comparison counts. */
  minSamples: number;
  /** Drops smaller than this are not news, however significant. */
  minDrop: number;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = { recentMs: 24 * 3_600_000, minSamples: 30, minDrop: 0.03 };

/** A workload × model whose recent scores fell below its history, beyond noise and beyond `minDrop`. */
export interface DriftFinding {
  workload: string;
  model: string;
  /** The source compared: scores of one source against the same source, so a change of mix is not a drift. */
  source: ScoreSource;
  recent: { n: number; mean: number };
  history: { n: number; mean: number };
  /** recent − history, with its 95% interval (Welch); `high` is below −minDrop. */
  drop: { delta: number; low: number; high: number };
}

class Moments {
  n = 0;
  sum = 0;
  sum2 = 0;
  add(y: number): void {
    this.n++;
    this.sum += y;
    this.sum2 += y * y;
  }
  mean(): number {
    return this.sum / this.n;
  }
  variance(): number {
    return this.n > 1 ? Math.max(0, (this.sum2 - (this.sum * this.sum) / this.n) / (this.n - 1)) : 0;
  }
}

/**
 * Watches each workload × model for a provider changing the model behind its name: per source, the
 * window's recent scores against its older ones (a windowed comparison; two moments per side, so it
 * streams like the fit). A finding needs the whole 95% interval of the drop beyond `minDrop`.
 */
export class DriftMonitor {
  private readonly sides = new Map<string, { workload: string; model: string; source: ScoreSource; recent: Moments; history: Moments }>();

  constructor(
    /** Epoch ms from which a score counts as recent. */
    private readonly recentFrom: number,
    private readonly options: DriftOptions = DEFAULT_DRIFT_OPTIONS,
  ) {}

  isRecent(scoredAt: Date): boolean {
    return scoredAt.getTime() >= this.recentFrom;
  }

  add(workload: string, model: string, source: ScoreSource, score: number, scoredAt: Date): void {
    const key = `${workload}\u0000${model}\u0000${source}`;
    let side = this.sides.get(key);
    if (!side) this.sides.set(key, (side = { workload, model, source, recent: new Moments(), history: new Moments() }));
    (this.isRecent(scoredAt) ? side.recent : side.history).add(score);
  }

  /** The drifted workload × model pairs, each with its most telling source (the largest sure drop). */
  findings(): DriftFinding[] {
    const { minSamples, minDrop } = this.options;
    const byPair = new Map<string, DriftFinding>();
    for (const { workload, model, source, recent, history } of this.sides.values()) {
      if (recent.n < minSamples || history.n < minSamples) continue;
      const w = welchFromSummaries({ n: recent.n, mean: recent.mean(), variance: recent.variance() }, { n: history.n, mean: history.mean(), variance: history.variance() });
      if (!(w.high < -minDrop)) continue;
      const finding: DriftFinding = { workload, model, source, recent: { n: recent.n, mean: recent.mean() }, history: { n: history.n, mean: history.mean() }, drop: { delta: w.diff, low: w.low, high: w.high } };
      const key = `${workload}\u0000${model}`;
      const seen = byPair.get(key);
      if (!seen || finding.drop.high < seen.drop.high) byPair.set(key, finding);
    }
    return [...byPair.values()].sort((a, b) => a.workload.localeCompare(b.workload) || a.model.localeCompare(b.model));
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** One line for logs and diff summaries, e.g. "gpt-4 on arc scored 62.0% (judge, 40 recent) against 94.0% before (800)". */
export function describeDrift(f: DriftFinding): string {
  return `${f.model} on ${f.workload} scored ${pct(f.recent.mean)} (${f.source}, ${f.recent.n} recent) against ${pct(f.history.mean)} before (${f.history.n})`;
}
