import { DEFAULT_QUALITY_FLOOR, type QualityFloor } from '@switchyard/config';
import type { PolicyDocument } from '@switchyard/contracts';
import { compilePolicy, type ModelCatalog } from '@switchyard/routing';
import { applyCandidate, type CandidateRoute, modelsOf } from './candidate-route.js';
import type { DriftFinding } from '../models/drift.monitor.js';
import type { FittedModels } from './fitted-models.js';
import { DEFAULT_REPLAY_OPTIONS, replayPolicies, type ReplayOptions, type ReplaySample, type WorkloadReplay } from './policy-replay.js';

/** Routes, cheapest first by the choosing half, that the held-out half vets before giving up. */
const HELD_OUT_TRIES = 3;

export const DEFAULT_THRESHOLD_QUANTILES: readonly number[] = [0.25, 0.5, 0.75];

export interface RouteSearchInput {
  workload: string;
  /** The active policy: the incumbent, and the parent of any proposal. */
  parent: PolicyDocument;
  catalog: ModelCatalog;
  /** Recent requests of this workload (others are ignored). */
  samples: readonly ReplaySample[];
  /** Models the search may route to. */
  models: readonly string[];
  fitted: FittedModels;
  /**
   * Models fitted on other scores than `fitted` (the other half of a cross-fit). When given, the
   * search chooses with `fitted` and the chosen route's predicted deltas, floor check included,
   * come from these: numbers from the data that picked the winner are biased toward it (the
   * winner's curse), and a canary would then measure less than the diff promised.
   */
  estimate?: FittedModels;
  /** Models whose recent scores dropped (any workload; this one's are used). */
  drift?: readonly DriftFinding[];
  floor?: QualityFloor;
  /** Every model a candidate sends traffic to must have a known p95 at most this. */
  latencySloP95Ms?: number;
  /** Quantiles of the workload's input tokens tried as rule thresholds. */
  thresholdQuantiles?: readonly number[];
  replay?: ReplayOptions;
}

export interface RouteProposal {
  kind: 'proposal';
  /** `cheaper`: meets the floor at a cost lower beyond noise. `drift`: the incumbent no longer meets the floor. */
  reason: 'cheaper' | 'drift';
  workload: string;
  candidate: CandidateRoute;
  document: PolicyDocument;
  replay: WorkloadReplay;
  /** The quality floor applied, absolute. */
  floor: number;
  /** The drops that made the incumbent fall below the floor, when the reason is drift and a model drifted. */
  driftFindings: DriftFinding[];
  /** Candidates replayed. */
  considered: number;
}

/**
 * The cheapest candidate that would have been proposed but for the width of its quality interval:
 * cheaper beyond noise, its point estimate clears the floor, its lower bound does not. More scored
 * samples of `model` (the one whose fit uncertainty weighs most in that interval) would narrow it.
 * Not reported under drift.
 */
export interface DataShortfall {
  candidate: CandidateRoute;
  model: string;
  /** Predicted quality of the candidate and its lower bound. */
  quality: number;
  qualityLow: number;
  /**
   * The share (0–1) `model`'s part of the half-width must shrink to for the lower bound to reach
   * the floor, the rest of the interval unchanged. Undefined when no amount of data on `model` alone
   * would do: the other parts already take up the whole margin.
   */
  shrinkTo: number | undefined;
}

export interface NoProposal {
  kind: 'none';
  workload: string;
  why: string;
  floor: number | undefined;
  considered: number;
  shortfall?: DataShortfall;
}

export type RouteSearchResult = RouteProposal | NoProposal;

/** The q-quantile of sorted values (nearest rank). */
const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/** Every single model, then `input_tokens < T → A, else B` for each ordered pair and each threshold that splits the sample. */
export function enumerateCandidates(models: readonly string[], inputTokens: readonly number[], quantiles: readonly number[]): CandidateRoute[] {
  const out: CandidateRoute[] = models.map((model) => ({ kind: 'single', model }));
  const sorted = [...inputTokens].sort((a, b) => a - b);
  if (sorted.length === 0) return out;
  const thresholds = [...new Set(quantiles.map((q) => Math.round(quantile(sorted, q))))].filter((t) => sorted[0] < t && t <= sorted[sorted.length - 1]);
  for (const threshold of thresholds)
    for (const below of models) for (const above of models) if (below !== above) out.push({ kind: 'threshold', threshold, below, above });
  return out;
}

/**
 * Searches one workload's routes for a proposal. The objective: least predicted cost per request,
 * subject to the lower bound of predicted quality clearing the floor (and the latency SLO, if any).
 * A candidate is proposed only when its cost saving's interval excludes 0: a proposal that does not
 * move the objective beyond noise is not made. When the floor is absolute and the incumbent's own
 * lower bound has fallen below it (drift), the cheapest candidate that meets the floor is proposed
 * even at a higher cost. A relative floor moves with the incumbent, so it signals drift only through
 * `drift` findings on the incumbent's models: it then keeps their quality from before the drop.
 */
export function searchRoute(input: RouteSearchInput): RouteSearchResult {
  const { workload, parent, catalog, fitted } = input;
  const opts = input.replay ?? DEFAULT_REPLAY_OPTIONS;
  const floorSpec = input.floor ?? DEFAULT_QUALITY_FLOOR;
  const samples = input.samples.filter((s) => s.workload === workload);
  const none = (why: string, floor: number | undefined, considered = 0): NoProposal => ({ kind: 'none', workload, why, floor, considered });
  if (samples.length === 0) return none('no recent requests to replay', undefined);

  const incumbentPolicy = compilePolicy(parent, catalog, 'incumbent');
  const baseline = replayPolicies(incumbentPolicy, incumbentPolicy, samples, fitted, opts).get(workload);
  if (!baseline || baseline.n === 0) return none('the incumbent route has no predictions for these requests', undefined);
  // The incumbent's models that drifted: a relative floor keeps their quality from before the drop,
  // or the floor would sink with them and nothing better would ever be proposed.
  const drifted = (input.drift ?? []).filter((f) => f.workload === workload && (baseline.incumbent.models[f.model] ?? 0) > 0);
  const qualityBeforeDrop = (r: WorkloadReplay, models: FittedModels): number => {
    // The drifted models' fits on their scores from before the drop, replayed on the same requests.
    // Not the recent fit plus the raw drop: shrinkage and clipping keep a collapsed model's fit
    // above its raw recent mean, so that sum overshoots, past 1 for a model that now always fails.
    const before = models.qualityBeforeDrift && replayPolicies(incumbentPolicy, incumbentPolicy, samples, { ...models, quality: models.qualityBeforeDrift }, opts).get(workload);
    if (before && before.n > 0) return before.incumbent.quality;
    // Without that fit (callers with findings only), the raw drop added back, at most 1.
    return Math.min(1, drifted.reduce((q, f) => q + ((r.incumbent.models[f.model] ?? 0) / Math.max(1, r.n)) * (f.history.mean - f.recent.mean), r.incumbent.quality));
  };
  const floorOf = (r: WorkloadReplay, models: FittedModels): number => {
    if (floorSpec.kind === 'absolute') return floorSpec.min;
    return floorSpec.share * (drifted.length > 0 ? qualityBeforeDrop(r, models) : r.incumbent.quality);
  };
  const floor = floorOf(baseline, fitted);
  const drift = (floorSpec.kind === 'absolute' || drifted.length > 0) && baseline.incumbent.qualityLow < floor;

  const meetsSlo = (c: CandidateRoute): boolean => {
    const slo = input.latencySloP95Ms;
    if (slo === undefined) return true;
    return modelsOf(c).every((m) => {
      const p95 = fitted.latencyP95Ms?.(m);
      return p95 !== undefined && p95 <= slo;
    });
  };

  const feasible: { candidate: CandidateRoute; document: PolicyDocument; replay: WorkloadReplay }[] = [];
  let nearMiss: { candidate: CandidateRoute; replay: WorkloadReplay } | undefined;
  let considered = 0;
  const candidates = enumerateCandidates(input.models, samples.map((s) => s.features.inputTokens), input.thresholdQuantiles ?? DEFAULT_THRESHOLD_QUANTILES);
  for (const candidate of candidates) {
    if (!meetsSlo(candidate)) continue;
    const document = applyCandidate(parent, catalog, workload, candidate);
    const replay = replayPolicies(incumbentPolicy, compilePolicy(document, catalog, 'candidate'), samples, fitted, opts).get(workload);
    considered++;
    // Every request the incumbent could be scored on must be scored under the candidate too.
    if (!replay || replay.missing > baseline.missing) continue;
    if (!drift && !(replay.cost.high < 0)) continue;
    if (replay.candidate.qualityLow < floor) {
      // Under drift the search's own why (the incumbent is below the floor) is the news, not this.
      if (!drift && replay.candidate.quality >= floor && (!nearMiss || replay.candidate.costUsd < nearMiss.replay.candidate.costUsd)) nearMiss = { candidate, replay };
      continue;
    }
    feasible.push({ candidate, document, replay });
  }
  // Cheapest first; the sort is stable, so on a tie the earlier (simpler) candidate stays first.
  feasible.sort((a, b) => a.replay.candidate.costUsd - b.replay.candidate.costUsd);
  const best = feasible.at(0);
  if (!best) {
    const result = none(
      drift
        ? `the incumbent's quality fell below the floor ${floor.toFixed(3)} and no candidate meets it`
        : `no candidate meets the quality floor ${floor.toFixed(3)} at a cost lower beyond noise`,
      floor,
      considered,
    );
    return nearMiss ? { ...result, shortfall: shortfallOf(nearMiss.candidate, nearMiss.replay, floor) } : result;
  }
  const driftFindings = drift ? drifted : [];
  if (!input.estimate) return { kind: 'proposal', reason: drift ? 'drift' : 'cheaper', workload, ...best, floor, considered, driftFindings };

  // Held out: the same check, on scores the choice never saw. The choosing half ranks the routes;
  // the held-out half only vets them, the cheapest few in that order, so it selects little itself.
  const heldBaseline = replayPolicies(incumbentPolicy, incumbentPolicy, samples, input.estimate, opts).get(workload);
  if (!heldBaseline || heldBaseline.n === 0) return none(`the incumbent route has no held-out predictions for these requests`, floor, considered);
  const heldFloor = floorOf(heldBaseline, input.estimate);
  let firstMiss: { candidate: CandidateRoute; replay: WorkloadReplay } | undefined;
  for (const choice of feasible.slice(0, HELD_OUT_TRIES)) {
    const held = replayPolicies(incumbentPolicy, compilePolicy(choice.document, catalog, 'candidate'), samples, input.estimate, opts).get(workload);
    if (!held || held.n === 0 || held.missing > heldBaseline.missing) continue;
    if (held.candidate.qualityLow >= heldFloor && (drift || held.cost.high < 0))
      return { kind: 'proposal', reason: drift ? 'drift' : 'cheaper', workload, candidate: choice.candidate, document: choice.document, replay: held, floor: heldFloor, considered, driftFindings };
    firstMiss ??= { candidate: choice.candidate, replay: held };
  }
  if (!firstMiss) return none(`the chosen routes have no held-out predictions for these requests`, floor, considered);
  const { replay: held } = firstMiss;
  const result = none(
    `the cheapest routes meeting the floor on one half of the scores did not hold up on the other half (the cheapest: predicted quality ${held.candidate.quality.toFixed(3)}, lower bound ${held.candidate.qualityLow.toFixed(3)}, floor ${heldFloor.toFixed(3)})`,
    heldFloor,
    considered,
  );
  return held.candidate.quality >= heldFloor ? { ...result, shortfall: shortfallOf(firstMiss.candidate, held, heldFloor) } : result;
}

/**
 * How far the candidate's interval must narrow, attributed to the model with the largest part of
 * it. Its lower bound is quality − (sampling + √Σ part²); only that model's part is let shrink, so
 * the bound reaches the floor when the part is √((margin − sampling)² − Σ others²).
 */
export function shortfallOf(candidate: CandidateRoute, replay: WorkloadReplay, floor: number): DataShortfall {
  const { quality, qualityLow, qualityHalf } = replay.candidate;
  const parts = Object.entries(qualityHalf.byModel).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const [model, part] = parts[0] ?? [modelsOf(candidate)[0], 0];
  const room = quality - floor - qualityHalf.sampling;
  const others2 = parts.slice(1).reduce((s, [, v]) => s + v * v, 0);
  const allowed2 = room > 0 ? room * room - others2 : 0;
  const shrinkTo = part > 0 && allowed2 > 0 ? Math.min(1, Math.sqrt(allowed2) / part) : undefined;
  return { candidate, model, quality, qualityLow, shrinkTo };
}
