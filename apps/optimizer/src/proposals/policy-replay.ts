import { type CompiledPolicy, EMPTY_LIVE_STATE, evaluate, type RequestFeatures, seededRng } from '@switchyard/routing';
import { featureVectorOf } from '../features/quality-features.js';
import type { FittedModels } from './fitted-models.js';

/** One recent request to replay: its routing features and the workload it belongs to. */
export interface ReplaySample {
  features: RequestFeatures;
  workload: string;
}

export interface ReplayOptions {
  /** Seed of the rng both policies draw from, so a weighted split draws alike on both sides. */
  seed: number;
  /** Normal quantile of the intervals (1.96: 95%). */
  z: number;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = { seed: 1, z: 1.96 };

export interface Estimate {
  delta: number;
  low: number;
  high: number;
}

export interface PolicyMeans {
  /** Mean predicted quality of the requests this policy would route, with its interval. */
  quality: number;
  qualityLow: number;
  qualityHigh: number;
  /**
   * The quality interval's half-width in parts: `sampling` from which requests came in, and per
   * model its fit's own uncertainty (these add in quadrature across models; the two parts add linearly).
   * More scored samples of a model shrink only its own part.
   */
  qualityHalf: { sampling: number; byModel: Record<string, number> };
  /** Mean predicted cost per request, USD. */
  costUsd: number;
  /** Requests per chosen model. */
  models: Record<string, number>;
}

export interface WorkloadReplay {
  workload: string;
  /** Requests with predictions under both policies: the ones the means and deltas are over. */
  n: number;
  /** Requests left out: no model chosen, or a chosen model without a quality fit or a price. */
  missing: number;
  incumbent: PolicyMeans;
  candidate: PolicyMeans;
  /** Candidate minus incumbent, absolute on the [0, 1] score scale. */
  quality: Estimate;
  /** Candidate minus incumbent, USD per request; `relative` is the share of the incumbent's cost. */
  cost: Estimate & { relative: number };
}

interface Scored {
  model: string;
  quality: number;
  /** Standard error of the model's prediction for this request, from its interval. */
  se: number;
  cost: number;
}

function score(models: FittedModels, workload: string, model: string | undefined, f: RequestFeatures, x: number[], z: number): Scored | undefined {
  if (model === undefined) return undefined;
  const q = models.quality.predict(workload, model, x);
  const c = models.cost.estimate(workload, model, f);
  if (!q || !c) return undefined;
  return { model, quality: q.mean, se: (q.interval.high - q.interval.low) / (2 * z), cost: c.usd };
}

const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
/** Standard error of the mean of `xs` (sample sd / √n); 0 for fewer than two values. */
function sem(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1) / xs.length);
}

/**
 * The fitted models' own uncertainty about a mean over requests. A model's prediction errors at
 * different requests share its coefficients, so they are taken as fully correlated within a model
 * (the standard errors add linearly: an upper bound) and independent between models (separate fits:
 * they add in quadrature). `contributions` are (model, se / n) pairs.
 */
function modelSe(contributions: Iterable<readonly [string, number]>): number {
  return quadrature(perModelSe(contributions).values());
}

function perModelSe(contributions: Iterable<readonly [string, number]>): Map<string, number> {
  const perModel = new Map<string, number>();
  for (const [model, v] of contributions) perModel.set(model, (perModel.get(model) ?? 0) + v);
  return perModel;
}

const quadrature = (values: Iterable<number>): number => {
  let var2 = 0;
  for (const v of values) var2 += v * v;
  return Math.sqrt(var2);
};

function means(rows: readonly Scored[], z: number): PolicyMeans {
  const n = rows.length;
  const quality = mean(rows.map((r) => r.quality));
  // Sampling (which requests came in) and model uncertainty are added linearly, not in quadrature:
  // conservative, since the two are not independent once a rule splits traffic by a fitted feature.
  const sampling = z * sem(rows.map((r) => r.quality));
  const byModel: Record<string, number> = {};
  for (const [model, se] of perModelSe(rows.map((r) => [r.model, r.se / n] as const))) byModel[model] = z * se;
  const half = sampling + quadrature(Object.values(byModel));
  const models: Record<string, number> = {};
  for (const r of rows) models[r.model] = (models[r.model] ?? 0) + 1;
  return { quality, qualityLow: quality - half, qualityHigh: quality + half, qualityHalf: { sampling, byModel }, costUsd: mean(rows.map((r) => r.cost)), models };
}

/**
 * Replays a candidate policy against the incumbent over recent requests and predicts, per
 * workload, the mean quality and cost of each and the paired deltas.
 *
 * Both policies are evaluated on every request with the same seeded rng stream and no live state,
 * so they differ only by their documents. Deltas are paired: the mean per-request difference, with
 * an interval of z·sd/√n of the differences (which requests came in) plus, added linearly to stay
 * conservative, the quality model's own uncertainty about the models whose traffic changes. A
 * request routed to the same model by both policies contributes no model uncertainty, so an
 * identical policy gets a zero-width zero delta. Cost has no model uncertainty: prices are
 * configured and token means are tight; only the sampling term applies.
 */
export function replayPolicies(
  incumbent: CompiledPolicy,
  candidate: CompiledPolicy,
  samples: readonly ReplaySample[],
  models: FittedModels,
  opts: ReplayOptions = DEFAULT_REPLAY_OPTIONS,
): Map<string, WorkloadReplay> {
  const { z } = opts;
  const byWorkload = new Map<string, { inc: Scored[]; cand: Scored[]; missing: number }>();
  const drawsInc = seededRng(opts.seed);
  const drawsCand = seededRng(opts.seed);
  for (const s of samples) {
    // The sample says which workload the request belongs to; the header makes both policies agree.
    const f: RequestFeatures = { ...s.features, workloadHeader: s.workload };
    const x = featureVectorOf(f);
    const a = score(models, s.workload, evaluate(incumbent, f, EMPTY_LIVE_STATE, drawsInc).chosen, f, x, z);
    const b = score(models, s.workload, evaluate(candidate, f, EMPTY_LIVE_STATE, drawsCand).chosen, f, x, z);
    let w = byWorkload.get(s.workload);
    if (!w) byWorkload.set(s.workload, (w = { inc: [], cand: [], missing: 0 }));
    if (!a || !b) w.missing++;
    else {
      w.inc.push(a);
      w.cand.push(b);
    }
  }

  const out = new Map<string, WorkloadReplay>();
  for (const [workload, { inc, cand, missing }] of byWorkload) {
    const n = inc.length;
    const dq = inc.map((a, i) => cand[i].quality - a.quality);
    const dc = inc.map((a, i) => cand[i].cost - a.cost);
    const changed: [string, number][] = [];
    inc.forEach((a, i) => {
      const b = cand[i];
      if (a.model === b.model) return;
      changed.push([a.model, a.se / n], [b.model, b.se / n]);
    });
    const qd = mean(dq);
    const qHalf = z * sem(dq) + z * modelSe(changed);
    const cd = mean(dc);
    const cHalf = z * sem(dc);
    const incMeans = means(inc, z);
    out.set(workload, {
      workload,
      n,
      missing,
      incumbent: incMeans,
      candidate: means(cand, z),
      quality: { delta: qd, low: qd - qHalf, high: qd + qHalf },
      cost: { delta: cd, low: cd - cHalf, high: cd + cHalf, relative: incMeans.costUsd > 0 ? cd / incMeans.costUsd : 0 },
    });
  }
  return out;
}
