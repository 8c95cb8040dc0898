import type { JudgeGoldenMoments, ScoreSource } from '@switchyard/db';
import type { Interval } from '@switchyard/scoring';
import { zForConfidence } from '@switchyard/scoring';
import { FEATURE_COUNT, QUALITY_FEATURES, type QualityFeature } from '../features/quality-features.js';
import { type CalibrationOptions, DEFAULT_CALIBRATION_OPTIONS, fitJudgeCalibration, type JudgeCalibration, type SourceMeans } from './judge-calibration.js';
import { CholeskyFactor, dot, quadraticForm } from './linear-algebra.js';
import { RegressionAccumulator } from './regression.accumulator.js';

/** How much one score of each source counts, relative to the others (a precision weight). */
export type SourceWeights = Readonly<Record<ScoreSource, number>>;

export const DEFAULT_SOURCE_WEIGHTS: SourceWeights = Object.freeze({ golden: 1, human: 1, judge: 0.5, shadow: 0.5, feedback: 0.3 });

/** Sources whose scores come from the LLM judge, and so get its calibration. */
const JUDGED: ReadonlySet<ScoreSource> = new Set(['judge', 'shadow']);
const SOURCES: readonly ScoreSource[] = ['judge', 'golden', 'shadow', 'feedback', 'human'];

export interface QualityFitOptions {
  sourceWeights: SourceWeights;
  /** Scores a workload × model needs before its fit counts as enough to act on. */
  minSamples: number;
  confidence: number;
  /**
   * Bounds on the empirical-Bayes prior strength, in weighted pseudo-rows. The cap is low on
   * purpose: the prior fills in for thin data, but models of one workload often score alike, and
   * then σ²/τ² is large and would pull every model toward the others long after its own data is
   * plentiful, shrinking exactly the differences a proposal rests on (a cheap model would look as
   * good as the incumbent, and the canary would measure less than the diff promised).
   */
  minPriorStrength: number;
  maxPriorStrength: number;
  calibration: CalibrationOptions;
}

export const DEFAULT_QUALITY_FIT_OPTIONS: QualityFitOptions = {
  sourceWeights: DEFAULT_SOURCE_WEIGHTS,
  minSamples: 30,
  confidence: 0.95,
  minPriorStrength: 2,
  maxPriorStrength: 10,
  calibration: DEFAULT_CALIBRATION_OPTIONS,
};

export interface QualityPrediction {
  /** Predicted mean score, clipped to [0, 1]. */
  mean: number;
  /** Interval for the expected score at these features. */
  interval: Interval;
}

export interface GroupPrediction extends QualityPrediction {
  /** Interval for the realised mean score of `count` new requests like these (adds the noise of each score). */
  predictive: Interval;
}

/** The reviewable summary of one workload × model fit. */
export interface QualityGroupSummary {
  workload: string;
  model: string;
  n: number;
  nBySource: Partial<Record<ScoreSource, number>>;
  /** Scores per scorer name (e.g. `judge:helpfulness`, `exact`), of every source. */
  nByScorer: Record<string, number>;
  /** Weighted, calibrated mean of the observed scores. */
  observedMean: number;
  /** Prediction at the group's own mean features, with its interval. */
  predicted: QualityPrediction;
  coefficients: Record<QualityFeature, number>;
  /** Pseudo-rows of the workload's other models the fit was shrunk toward (0: none). */
  priorStrength: number;
  residualSd: number;
  enough: boolean;
}

interface GroupFit {
  summary: QualityGroupSummary;
  beta: Float64Array;
  /** Cholesky factor of the posterior precision (without σ²). */
  factor: CholeskyFactor;
  sigma2: number;
}

const clip01 = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * Accumulates scores per workload × model × source, batch by batch: XᵀWX and XᵀWy only, so
 * memory does not grow with the rows. `build` then calibrates, weights and solves.
 */
export class QualityModelBuilder {
  private readonly groups = new Map<string, Map<string, Map<ScoreSource, RegressionAccumulator>>>();
  /** Per workload × model, a count per scorer name: the evidence a reviewer sees beside the fit. */
  private readonly scorers = new Map<string, Map<string, number>>();

  add(workload: string, model: string, source: ScoreSource, x: ArrayLike<number>, score: number, scorer?: string): void {
    this.accumulator(workload, model, source).add(x, score);
    if (scorer === undefined) return;
    const k = key(workload, model);
    let counts = this.scorers.get(k);
    if (!counts) this.scorers.set(k, (counts = new Map<string, number>()));
    counts.set(scorer, (counts.get(scorer) ?? 0) + 1);
  }

  /**
   * A builder holding the rows of all of `parts`, e.g. the two folds of a cross-fit; a part's
   * `skip` leaves out its rows of some workload × model pairs (e.g. their history before a drift).
   */
  static merged(parts: readonly { builder: QualityModelBuilder; skip?: (workload: string, model: string) => boolean }[]): QualityModelBuilder {
    const out = new QualityModelBuilder();
    for (const { builder: part, skip } of parts) {
      for (const [workload, models] of part.groups)
        for (const [model, sources] of models) {
          if (skip?.(workload, model)) continue;
          for (const [source, acc] of sources) out.accumulator(workload, model, source).addScaled(acc);
        }
      for (const [k, counts] of part.scorers) {
        const [workload, model] = k.split('\u0000');
        if (skip?.(workload, model)) continue;
        let into = out.scorers.get(k);
        if (!into) out.scorers.set(k, (into = new Map<string, number>()));
        for (const [scorer, n] of counts) into.set(scorer, (into.get(scorer) ?? 0) + n);
      }
    }
    return out;
  }

  private accumulator(workload: string, model: string, source: ScoreSource): RegressionAccumulator {
    let models = this.groups.get(workload);
    if (!models) this.groups.set(workload, (models = new Map<string, Map<ScoreSource, RegressionAccumulator>>()));
    let sources = models.get(model);
    if (!sources) models.set(model, (sources = new Map<ScoreSource, RegressionAccumulator>()));
    let acc = sources.get(source);
    if (!acc) sources.set(source, (acc = new RegressionAccumulator(FEATURE_COUNT)));
    return acc;
  }

  build(pairs: readonly JudgeGoldenMoments[], opts: QualityFitOptions = DEFAULT_QUALITY_FIT_OPTIONS): QualityModel {
    const z = zForConfidence(opts.confidence);
    const fits = new Map<string, GroupFit>();
    const calibrations = new Map<string, JudgeCalibration>();
    for (const [workload, models] of this.groups) {
      const calibration = fitJudgeCalibration(
        pairs.find((p) => p.workload === workload),
        [...models.values()].map(sourceMeans),
        opts.calibration,
      );
      calibrations.set(workload, calibration);
      const combined = new Map<string, RegressionAccumulator>();
      for (const [model, sources] of models) combined.set(model, combine(sources, opts.sourceWeights, calibration));
      for (const fit of fitWorkload(workload, combined, opts, z)) {
        for (const [source, acc] of models.get(fit.summary.model) ?? []) fit.summary.nBySource[source] = acc.n;
        for (const [scorer, n] of this.scorers.get(key(workload, fit.summary.model)) ?? []) fit.summary.nByScorer[scorer] = n;
        fits.set(key(fit.summary.workload, fit.summary.model), fit);
      }
    }
    return new QualityModel(fits, calibrations, z);
  }
}

export class QualityModel {
  constructor(
    private readonly fits: ReadonlyMap<string, GroupFit>,
    private readonly calibrations: ReadonlyMap<string, JudgeCalibration>,
    private readonly z: number,
  ) {}

  summaries(): QualityGroupSummary[] {
    return [...this.fits.values()].map((f) => f.summary);
  }

  calibration(workload: string): JudgeCalibration | undefined {
    return this.calibrations.get(workload);
  }

  /** The expected score of one request with feature vector `x`; undefined when the pair has no scores. */
  predict(workload: string, model: string, x: ArrayLike<number>): QualityPrediction | undefined {
    const fit = this.fits.get(key(workload, model));
    if (!fit) return undefined;
    const mean = dot(x, fit.beta);
    const se = Math.sqrt(fit.sigma2 * fit.factor.inverseQuadraticForm(x));
    return { mean: clip01(mean), interval: { low: clip01(mean - this.z * se), high: clip01(mean + this.z * se) } };
  }

  /** A group of `count` requests whose mean feature vector is `meanX`, e.g. the traffic a rule would send. */
  predictGroup(workload: string, model: string, meanX: ArrayLike<number>, count: number): GroupPrediction | undefined {
    const fit = this.fits.get(key(workload, model));
    const expected = this.predict(workload, model, meanX);
    if (!fit || !expected) return undefined;
    const mean = dot(meanX, fit.beta);
    const se = Math.sqrt(fit.sigma2 * fit.factor.inverseQuadraticForm(meanX) + fit.sigma2 / Math.max(1, count));
    return { ...expected, predictive: { low: clip01(mean - this.z * se), high: clip01(mean + this.z * se) } };
  }
}

const key = (workload: string, model: string): string => `${workload}\u0000${model}`;

function sourceMeans(sources: ReadonlyMap<ScoreSource, RegressionAccumulator>): SourceMeans {
  const judge = sources.get('judge');
  const golden = sources.get('golden');
  return { judgeMean: judge?.meanY() ?? 0, judgeN: judge?.n ?? 0, goldenMean: golden?.meanY() ?? 0, goldenN: golden?.n ?? 0 };
}

function combine(sources: ReadonlyMap<ScoreSource, RegressionAccumulator>, weights: SourceWeights, calibration: JudgeCalibration): RegressionAccumulator {
  const out = new RegressionAccumulator(FEATURE_COUNT);
  for (const source of SOURCES) {
    const acc = sources.get(source);
    const weight = weights[source];
    if (!acc || weight <= 0) continue;
    if (JUDGED.has(source)) out.addScaled(acc, weight, calibration.intercept, calibration.slope);
    else out.addScaled(acc, weight);
  }
  return out;
}

/** Weighted residual sum of squares of β, from the sufficient statistics alone. */
const residualSS = (acc: RegressionAccumulator, beta: Float64Array): number =>
  Math.max(0, acc.sumWY2 - 2 * dot(beta, acc.xty) + quadraticForm(acc.matrix(), acc.p, beta));

/**
 * Empirical Bayes. Each model's coefficients get a prior centred on the fit of the workload's
 * OTHER models (leave-one-out, so a model's data is not counted twice), worth κ pseudo-rows
 * distributed like those models' requests: the posterior solves
 *   (XᵀWX + κS) β = XᵀWy + κS β₀,   S = X₀ᵀW₀X₀ / Σw₀.
 * A model with n ≫ κ keeps its own fit; one with n ≪ κ is pulled to the workload's. κ = σ²/τ² is
 * estimated from the data: σ² the within-model score variance, τ² the between-model variance of
 * the means minus its sampling noise (method of moments), clamped to [min, max]PriorStrength.
 * Posterior covariance σ²(XᵀWX + κS)⁻¹ gives the intervals; σ² is the model's residual variance,
 * itself shrunk toward the workload's with p pseudo-degrees of freedom.
 */
function fitWorkload(workload: string, models: ReadonlyMap<string, RegressionAccumulator>, opts: QualityFitOptions, z: number): GroupFit[] {
  const p = FEATURE_COUNT;
  const total = new RegressionAccumulator(p);
  for (const acc of models.values()) total.addScaled(acc);

  let within = 0;
  let withinDof = 0;
  const means: number[] = [];
  let noise = 0;
  for (const acc of models.values()) {
    if (acc.sumW <= 0) continue;
    within += Math.max(0, acc.sumWY2 - (acc.sumWY * acc.sumWY) / acc.sumW);
    withinDof += acc.n - 1;
    means.push(acc.meanY());
  }
  // No spread to go by: a score in [0, 1] has at most variance 1/4.
  const sigma2Workload = withinDof > 0 ? within / withinDof : 0.25;
  for (const acc of models.values()) if (acc.sumW > 0) noise += sigma2Workload / acc.sumW;
  let kappa = 0;
  let tau2 = 0;
  if (means.length >= 2) {
    const grand = means.reduce((s, m) => s + m, 0) / means.length;
    const between = means.reduce((s, m) => s + (m - grand) ** 2, 0) / (means.length - 1);
    tau2 = between - noise / means.length;
    kappa = tau2 > 0 ? sigma2Workload / tau2 : opts.maxPriorStrength;
    kappa = Math.min(opts.maxPriorStrength, Math.max(opts.minPriorStrength, kappa));
  }
  // Each model's mean weighs in the prior's level by its precision as an estimate of the population
  // of models, 1/(τ² + σ²/n): about equally once n is large. Pooling the rows instead would let the
  // incumbent, which has most of the scores, set every other model's prior to its own quality.
  const level = new Map<string, { mean: number; weight: number }>();
  for (const [model, acc] of models) if (acc.sumW > 0) level.set(model, { mean: acc.meanY(), weight: 1 / (Math.max(0, tau2) + sigma2Workload / acc.sumW) });

  const fits: GroupFit[] = [];
  for (const [model, acc] of models) {
    if (acc.n === 0 || acc.sumW <= 0) continue;
    const a = acc.matrix();
    const rhs = Float64Array.from(acc.xty);
    const others = total.minus(acc);
    const strength = kappa > 0 && others.sumW > 0 ? kappa : 0;
    if (strength > 0) {
      const priorBeta = solveRidge(others.matrix(), others.xty, others.sumW);
      // The other models' pooled slopes, at the level of their precision-weighted mean.
      let sum = 0;
      let weights = 0;
      for (const [other, l] of level) if (other !== model) [sum, weights] = [sum + l.weight * l.mean, weights + l.weight];
      if (weights > 0) priorBeta[0] += sum / weights - dot(others.meanX(), priorBeta);
      const s = others.matrix().map((v) => v / others.sumW);
      const sBeta = new Float64Array(p);
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) sBeta[i] += s[i * p + j] * priorBeta[j];
      for (let i = 0; i < p * p; i++) a[i] += strength * s[i];
      for (let i = 0; i < p; i++) rhs[i] += strength * sBeta[i];
    }
    addRidge(a, p, acc.sumW + strength);
    const factor = new CholeskyFactor(a, p);
    const beta = factor.solve(rhs);
    const dof = acc.n - p;
    const sigma2 = ((dof > 0 ? residualSS(acc, beta) : 0) + p * sigma2Workload) / (Math.max(0, dof) + p);
    const meanX = acc.meanX();
    const mean = dot(meanX, beta);
    const se = Math.sqrt(sigma2 * factor.inverseQuadraticForm(meanX));
    fits.push({
      beta,
      factor,
      sigma2,
      summary: {
        workload,
        model,
        n: acc.n,
        nBySource: {},
        nByScorer: {},
        observedMean: acc.meanY(),
        predicted: { mean: clip01(mean), interval: { low: clip01(mean - z * se), high: clip01(mean + z * se) } },
        coefficients: Object.fromEntries(QUALITY_FEATURES.map((f, i) => [f, beta[i]])) as Record<QualityFeature, number>,
        priorStrength: strength,
        residualSd: Math.sqrt(sigma2),
        enough: acc.n >= opts.minSamples,
      },
    });
  }
  return fits;
}

/** A tiny ridge keeps a feature that never varies in a group (no request had tools) solvable, at coefficient ~0. */
function addRidge(a: Float64Array, p: number, scale: number): void {
  for (let i = 0; i < p; i++) a[i * p + i] += 1e-9 * Math.max(1, scale);
}

function solveRidge(matrix: Float64Array, xty: ArrayLike<number>, sumW: number): Float64Array {
  const p = FEATURE_COUNT;
  addRidge(matrix, p, sumW);
  return new CholeskyFactor(matrix, p).solve(xty);
}
