import type { JudgeGoldenMoments } from '@switchyard/db';

/** A map from a workload's judge scores onto its golden scale: `golden ≈ intercept + slope · judge`. */
export interface JudgeCalibration {
  /**
   * `linear`: fitted on spans scored by both; `offset`: a shift only (too few pairs, or judge
   * scores too flat for a slope, or only per-model means to go by); `identity`: no golden evidence.
   */
  kind: 'identity' | 'linear' | 'offset';
  intercept: number;
  slope: number;
  /** Pairs (or, for a per-model offset, the effective pair count) it rests on. */
  n: number;
}

/** Per model of a workload: the mean judge and golden scores and how many of each. */
export interface SourceMeans {
  judgeMean: number;
  judgeN: number;
  goldenMean: number;
  goldenN: number;
}

export const IDENTITY_CALIBRATION: JudgeCalibration = Object.freeze({ kind: 'identity', intercept: 0, slope: 1, n: 0 });

export interface CalibrationOptions {
  /** Pairs needed before a slope is fitted; below it, and above `minOffsetPairs`, an offset. */
  minLinearPairs: number;
  minOffsetPairs: number;
}

export const DEFAULT_CALIBRATION_OPTIONS: CalibrationOptions = { minLinearPairs: 30, minOffsetPairs: 5 };

/**
 * Judge scores are biased (lenient or harsh) against ground truth, and the bias differs per
 * workload. Where the same spans have both a judge and a golden score, a least-squares line
 * golden ≈ a + b·judge is fitted on those pairs' moments (slope floored at 0: a judge that runs
 * against the truth carries no information, and its scores map to the golden mean).
 *
 * Without such pairs, the fallback is an offset from models that have both kinds of score, weighted
 * by the harmonic count of each model. It assumes the judge's bias is the same for every model and
 * that the golden dataset's prompts are like the live ones: weaker, hence `offset`, not `linear`.
 */
export function fitJudgeCalibration(pairs: JudgeGoldenMoments | undefined, perModel: readonly SourceMeans[], opts: CalibrationOptions = DEFAULT_CALIBRATION_OPTIONS): JudgeCalibration {
  if (pairs && pairs.n >= opts.minOffsetPairs) {
    const meanJ = pairs.sumJudge / pairs.n;
    const meanG = pairs.sumGolden / pairs.n;
    const varJ = pairs.sumJudge2 / pairs.n - meanJ * meanJ;
    const cov = pairs.sumJudgeGolden / pairs.n - meanJ * meanG;
    if (pairs.n >= opts.minLinearPairs && varJ > 1e-6) {
      const slope = Math.max(0, cov / varJ);
      return { kind: 'linear', intercept: meanG - slope * meanJ, slope, n: pairs.n };
    }
    return { kind: 'offset', intercept: meanG - meanJ, slope: 1, n: pairs.n };
  }
  let weight = 0;
  let shift = 0;
  for (const m of perModel) {
    if (m.judgeN === 0 || m.goldenN === 0) continue;
    const h = 1 / (1 / m.judgeN + 1 / m.goldenN);
    weight += h;
    shift += h * (m.goldenMean - m.judgeMean);
  }
  if (weight >= opts.minOffsetPairs) return { kind: 'offset', intercept: shift / weight, slope: 1, n: weight };
  return IDENTITY_CALIBRATION;
}
