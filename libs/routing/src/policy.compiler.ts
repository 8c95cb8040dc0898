import type { Canary, EvaluationSettings, FallbackTrigger, PolicyDocument, RetryPolicy, Route, Target } from '@switchyard/contracts';
import { compileCondition, type Predicate } from './condition.compiler.js';
import type { CatalogModel, ModelCatalog } from './model-catalog.js';
import { createFilter, createSelector } from './strategies/strategy.registry.js';
import type { FilterStrategy, SelectorStrategy } from './strategies/strategy.js';

export interface CompiledTarget {
  candidates: readonly CatalogModel[];
  filters: readonly FilterStrategy[];
  selector: SelectorStrategy;
  /** e.g. `quality_floor>cheapest>round_robin`. */
  strategy: string;
}

export interface CompiledRule {
  name: string;
  when?: Predicate;
  target: CompiledTarget;
  quality?: ReadonlyMap<string, number>;
}

export interface CompiledRoute {
  rules: readonly CompiledRule[];
  fallback: readonly CatalogModel[];
  fallbackOn: readonly FallbackTrigger[];
  retries: RetryPolicy;
  canary?: { name: string; share: number; stickyKey: Canary['stickyKey']; target: CompiledTarget };
  evaluation: EvaluationSettings;
}

/** A policy version made ready to evaluate: conditions as closures, strategies as instances, models resolved. */
export interface CompiledPolicy {
  readonly version: string;
  readonly document: PolicyDocument;
  readonly catalog: ModelCatalog;
  readonly defaultWorkload: string;
  readonly workloadRules: readonly { when: Predicate; workload: string }[];
  /** Every workload a client may name as `model`. */
  readonly workloads: ReadonlySet<string>;
  readonly routes: ReadonlyMap<string, CompiledRoute>;
  readonly defaultRoute: CompiledRoute;
  readonly embeddingRoute?: CompiledRoute;
  /** Per workload (and `*`), per model. */
  readonly quality: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly expectedOutputTokens: number;
  /** A policy rollout in progress: `share` of callers (sticky) are routed by `policy`. */
  readonly canary?: { name: string; share: number; stickyKey: readonly ('tenant' | 'user')[]; policy: CompiledPolicy };
}

const mustModel = (catalog: ModelCatalog, id: string): CatalogModel => {
  const m = catalog.models.get(id);
  // validatePolicy runs before compilation; reaching this is a programming error.
  if (!m) throw new Error(`policy names unknown model "${id}"; validate it before compiling`);
  return m;
};

function compileTarget(t: Target, catalog: ModelCatalog): CompiledTarget {
  const filters = t.filters.map(createFilter);
  const selector = createSelector(t.select);
  return {
    candidates: t.candidates.map((id) => mustModel(catalog, id)),
    filters,
    selector,
    strategy: [...filters.map((f) => f.name), selector.name].join('>'),
  };
}

function compileRoute(r: Route, catalog: ModelCatalog, evaluation: EvaluationSettings): CompiledRoute {
  return {
    rules: r.rules.map((rule) => ({
      name: rule.name,
      when: rule.when ? compileCondition(rule.when) : undefined,
      target: compileTarget(rule.target, catalog),
      quality: rule.quality ? new Map(Object.entries(rule.quality)) : undefined,
    })),
    fallback: r.fallback.models.map((id) => mustModel(catalog, id)),
    fallbackOn: r.fallback.on,
    retries: r.retries,
    canary: r.canary && { name: r.canary.name, share: r.canary.share, stickyKey: r.canary.stickyKey, target: compileTarget(r.canary.target, catalog) },
    evaluation: r.evaluation ?? evaluation,
  };
}

/** Compiles a validated policy. Call `validatePolicy` first: compilation assumes every model exists. */
export function compilePolicy(document: PolicyDocument, catalog: ModelCatalog, version: string): CompiledPolicy {
  const compiled = compileOne(document, catalog, version);
  const c = document.canary;
  if (!c) return compiled;
  const policy = compileOne(c.policy, catalog, version);
  // A workload only the rolled-out policy names is still a valid `model` alias for every caller.
  const workloads = new Set([...compiled.workloads, ...policy.workloads]);
  return { ...compiled, workloads, canary: { name: c.name, share: c.share, stickyKey: c.stickyKey, policy } };
}

function compileOne(document: Omit<PolicyDocument, 'canary'>, catalog: ModelCatalog, version: string): CompiledPolicy {
  const routes = new Map(Object.entries(document.routes).map(([name, r]) => [name, compileRoute(r, catalog, document.evaluation)]));
  const workloads = new Set<string>([document.defaultWorkload, ...catalog.workloads, ...routes.keys(), ...document.workloadRules.map((r) => r.workload)]);
  return {
    version,
    document,
    catalog,
    defaultWorkload: document.defaultWorkload,
    workloadRules: document.workloadRules.map((r) => ({ when: compileCondition(r.when), workload: r.workload })),
    workloads,
    routes,
    defaultRoute: compileRoute(document.defaultRoute, catalog, document.evaluation),
    embeddingRoute: document.embeddingRoute && compileRoute(document.embeddingRoute, catalog, document.evaluation),
    quality: new Map(Object.entries(document.quality).map(([w, q]) => [w, new Map(Object.entries(q))])),
    expectedOutputTokens: document.expectedOutputTokens,
  };
}
