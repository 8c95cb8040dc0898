import type { DeploymentSnapshot } from '../live-state.js';
import type { CatalogModel } from '../model-catalog.js';
import type { RequestFeatures, Rng } from '../request-features.js';

/** One candidate model as a strategy sees it for one request. */
export interface CandidateView {
  model: CatalogModel;
  live: DeploymentSnapshot | undefined;
  /** Estimated quality for this request's workload and rule; undefined when nothing is known. */
  quality: number | undefined;
  /** Estimated USD cost of this request on this model. */
  costUsd: number;
  /** Position in the target's candidate list: the tie-breaker everywhere. */
  order: number;
}

export interface SelectionContext {
  features: RequestFeatures;
  rng: Rng;
}

/** Narrows the candidates. Returns a subset in the same order; may return an empty list. */
export interface FilterStrategy {
  readonly name: string;
  apply(candidates: readonly CandidateView[], ctx: SelectionContext): CandidateView[];
}

export interface Ranking {
  /** Preferred first. The first `legs` are sent (1, or k for a race); the rest are fallbacks. */
  ordered: CandidateView[];
  /** The metric each candidate was ranked by, aligned with `ordered`; null when it had none. */
  scores: (number | null)[];
  legs: number;
}

/** Picks among non-empty candidates. Keeps per-rule state (a round-robin cursor) on the instance. */
export interface SelectorStrategy {
  readonly name: string;
  rank(candidates: readonly CandidateView[], ctx: SelectionContext): Ranking;
}

export const p95 = (c: CandidateView): number | undefined => c.live?.p95Ms;

/** Candidates with a rolling p95 first, fastest first; candidates without data after, in order. */
export const byLatency = (a: CandidateView, b: CandidateView): number => {
  const pa = p95(a);
  const pb = p95(b);
  if (pa === undefined || pb === undefined) return pa === pb ? a.order - b.order : pa === undefined ? 1 : -1;
  return pa - pb || a.order - b.order;
};

export const byCost = (a: CandidateView, b: CandidateView): number => a.costUsd - b.costUsd || a.order - b.order;

/** Highest quality first, unknown last; cheaper first among equals. */
export const byQuality = (a: CandidateView, b: CandidateView): number => {
  const qa = a.quality ?? -1;
  const qb = b.quality ?? -1;
  return qb - qa || byCost(a, b);
};

/** Moves `chosen` to the front, keeping the others in their order. */
export const chosenFirst = (chosen: CandidateView, rest: readonly CandidateView[]): CandidateView[] => [chosen, ...rest.filter((c) => c !== chosen)];
