import type { Filter, Selector } from '@switchyard/contracts';
import { BestQualityFilter } from './filters/best-quality.strategy.js';
import { CheapestFilter } from './filters/cheapest.strategy.js';
import { CostCeilingFilter } from './filters/cost-ceiling.strategy.js';
import { FastestFilter } from './filters/fastest.strategy.js';
import { LatencySloFilter } from './filters/latency-slo.strategy.js';
import { QualityFloorFilter } from './filters/quality-floor.strategy.js';
import { CostSelector } from './selectors/cost.strategy.js';
import { FirstSelector } from './selectors/first.strategy.js';
import { LatencySelector } from './selectors/latency.strategy.js';
import { LeastBusySelector } from './selectors/least-busy.strategy.js';
import { QualitySelector } from './selectors/quality.strategy.js';
import { RaceSelector } from './selectors/race.strategy.js';
import { RoundRobinSelector } from './selectors/round-robin.strategy.js';
import { WeightedSelector } from './selectors/weighted.strategy.js';
import type { FilterStrategy, SelectorStrategy } from './strategy.js';

type Factories<Spec extends { kind: string }, Out> = { [K in Spec['kind']]: (spec: Extract<Spec, { kind: K }>) => Out };

/** One line per strategy. The mapped type makes a kind added to the contract fail to compile until it is registered here. */
const FILTERS: Factories<Filter, FilterStrategy> = {
  quality_floor: (s) => new QualityFloorFilter(s.min),
  cost_ceiling: (s) => new CostCeilingFilter(s.maxUsd),
  latency_slo: (s) => new LatencySloFilter(s.p95Ms),
  cheapest: (s) => new CheapestFilter(s.within),
  best_quality: (s) => new BestQualityFilter(s.within),
  fastest: (s) => new FastestFilter(s.k),
};

const SELECTORS: Factories<Selector, SelectorStrategy> = {
  first: () => new FirstSelector(),
  round_robin: () => new RoundRobinSelector(),
  weighted: (s) => new WeightedSelector(s.weights),
  latency: (s) => new LatencySelector(s.minSamples, s.warmupShare),
  least_busy: () => new LeastBusySelector(),
  cost: (s) => new CostSelector(s.minQuality),
  quality: (s) => new QualitySelector(s.maxUsd, s.p95Ms),
  race: (s) => new RaceSelector(s.k),
};

// TypeScript cannot correlate a union's kind with its factory's parameter, hence the widening casts.
export const createFilter = (spec: Filter): FilterStrategy => (FILTERS[spec.kind] as (s: Filter) => FilterStrategy)(spec);
export const createSelector = (spec: Selector): SelectorStrategy => (SELECTORS[spec.kind] as (s: Selector) => SelectorStrategy)(spec);
