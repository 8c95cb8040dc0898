import type { CompiledPolicy, CompiledTarget } from './policy.compiler.js';
import type { DeploymentSnapshot, LiveState } from './live-state.js';
import type { CatalogModel } from './model-catalog.js';
import type { RequestFeatures, Rng } from './request-features.js';
import type { ExclusionReason, RoutingDecision, WorkloadSource } from './routing-decision.js';
import { stickyFraction } from './sticky-hash.js';
import type { CandidateView, SelectionContext } from './strategies/strategy.js';

/** Thrown when a request names no route at all (an `auto` embeddings call with no embedding route). */
export class NoRouteError extends Error {
  constructor(readonly operation: RequestFeatures['operation']) {
    super(`the policy has no route for ${operation} requests`);
    this.name = 'NoRouteError';
  }
}

const unavailableReason = (s: DeploymentSnapshot): ExclusionReason =>
  s.breaker === 'open' ? 'breaker_open' : s.breaker === 'half_open' ? 'probe_busy' : s.cooldownUntil !== undefined ? 'cooldown' : 'unavailable';

function resolveWorkload(p: CompiledPolicy, f: RequestFeatures): { workload: string; source: WorkloadSource } {
  if (f.workloadHeader) return { workload: f.workloadHeader, source: 'header' };
  if (f.keyWorkload) return { workload: f.keyWorkload, source: 'key' };
  if (p.workloads.has(f.requestedModel)) return { workload: f.requestedModel, source: 'alias' };
  for (const r of p.workloadRules) if (r.when(f)) return { workload: r.workload, source: 'rule' };
  return { workload: p.defaultWorkload, source: 'default' };
}

function canaryArm(split: { share: number; stickyKey: readonly ('tenant' | 'user')[] }, f: RequestFeatures, rng: Rng): 'canary' | 'control' {
  let key = '';
  for (const k of split.stickyKey) {
    const v = k === 'tenant' ? f.tenant : f.user;
    if (v !== undefined) key += `${k}=${v}\u0000`;
  }
  const draw = key ? stickyFraction(key) : rng();
  return draw < split.share ? 'canary' : 'control';
}

/**
 * Decides where one request goes. Pure: the same policy, features, live state and random draws give
 * the same decision, which is what lets the optimizer replay it offline. The one piece of state is a
 * round-robin cursor, which belongs to the compiled policy version.
 */
export function evaluate(policy: CompiledPolicy, f: RequestFeatures, live: LiveState, rng: Rng): RoutingDecision {
  const rollout = policy.canary;
  if (!rollout) return evaluateOne(policy, f, live, rng);
  // A policy rollout: the caller's side decides which whole policy routes the request.
  const arm = canaryArm(rollout, f, rng);
  const decision = evaluateOne(arm === 'canary' ? rollout.policy : policy, f, live, rng);
  decision.policyVersion = policy.version;
  decision.canary = { name: rollout.name, arm };
  return decision;
}

function evaluateOne(policy: CompiledPolicy, f: RequestFeatures, live: LiveState, rng: Rng): RoutingDecision {
  const { workload, source } = resolveWorkload(policy, f);
  const route = f.operation === 'embeddings' ? policy.embeddingRoute : (policy.routes.get(workload) ?? policy.defaultRoute);
  const excluded: RoutingDecision['excluded'] = [];
  const outputTokens = f.maxTokens ?? policy.expectedOutputTokens;
  const needed = f.inputTokens + (f.maxTokens ?? 0);

  /** Null when the deployment cannot take this request now (recorded in `excluded`). */
  const usable = (m: CatalogModel): DeploymentSnapshot | undefined | null => {
    const snap = live.get(m.id);
    if (snap && !snap.available) {
      excluded.push({ model: m.id, reason: unavailableReason(snap) });
      return null;
    }
    if (m.contextWindow < needed) {
      excluded.push({ model: m.id, reason: 'context_window' });
      return null;
    }
    return snap;
  };

  const pinned = policy.catalog.models.get(f.requestedModel);
  if (pinned) {
    const ok = usable(pinned) !== null;
    return {
      policyVersion: policy.version,
      workload,
      workloadSource: source,
      rule: 'pinned',
      strategy: 'pinned',
      ranked: ok ? [{ model: pinned.id, score: null }] : [],
      excluded,
      chosen: ok ? pinned.id : undefined,
      legs: ok ? [pinned.id] : [],
      fallbacks: [],
      fallbackOn: route?.fallbackOn ?? policy.defaultRoute.fallbackOn,
      retries: route?.retries ?? policy.defaultRoute.retries,
      evaluation: route?.evaluation ?? policy.defaultRoute.evaluation,
    };
  }
  if (!route) throw new NoRouteError(f.operation);

  const arm = route.canary ? canaryArm(route.canary, f, rng) : undefined;
  let target: CompiledTarget;
  let ruleName: string;
  let ruleQuality: ReadonlyMap<string, number> | undefined;
  if (arm === 'canary' && route.canary) {
    target = route.canary.target;
    ruleName = `canary:${route.canary.name}`;
  } else {
    const rule = route.rules.find((r) => !r.when || r.when(f)) ?? route.rules[route.rules.length - 1];
    target = rule.target;
    ruleName = rule.name;
    ruleQuality = rule.quality;
  }

  const workloadQuality = policy.quality.get(workload);
  const anyQuality = policy.quality.get('*');
  const views: CandidateView[] = [];
  target.candidates.forEach((m, order) => {
    const snap = usable(m);
    if (snap === null) return;
    views.push({
      model: m,
      live: snap,
      quality: ruleQuality?.get(m.id) ?? workloadQuality?.get(m.id) ?? anyQuality?.get(m.id),
      costUsd: (f.inputTokens * m.inputUsdPerMTok + outputTokens * m.outputUsdPerMTok) / 1e6,
      order,
    });
  });

  const ctx: SelectionContext = { features: f, rng };
  let remaining = views;
  for (const filter of target.filters) {
    if (remaining.length === 0) break;
    const kept = filter.apply(remaining, ctx);
    for (const c of remaining) if (!kept.includes(c)) excluded.push({ model: c.model.id, reason: 'filtered' });
    remaining = kept;
  }
  const ranking = remaining.length ? target.selector.rank(remaining, ctx) : { ordered: [], scores: [], legs: 0 };
  if (remaining.length) for (const c of remaining) if (!ranking.ordered.includes(c)) excluded.push({ model: c.model.id, reason: 'filtered' });

  const legs = ranking.ordered.slice(0, ranking.legs).map((c) => c.model.id);
  const seen = new Set(legs);
  const fallbacks: string[] = [];
  for (const c of ranking.ordered) {
    if (seen.has(c.model.id)) continue;
    seen.add(c.model.id);
    fallbacks.push(c.model.id);
  }
  for (const m of route.fallback) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    // A candidate already found unusable is not checked (and recorded) twice; a filtered one may still serve as a fallback.
    if (excluded.some((e) => e.model === m.id && e.reason !== 'filtered')) continue;
    if (usable(m) !== null) fallbacks.push(m.id);
  }
  const targetEmpty = legs.length === 0;
  if (targetEmpty && fallbacks.length) legs.push(fallbacks.shift()!);

  return {
    policyVersion: policy.version,
    workload,
    workloadSource: source,
    rule: ruleName,
    strategy: target.strategy,
    ranked: ranking.ordered.map((c, i) => ({ model: c.model.id, score: ranking.scores[i] ?? null })),
    excluded,
    chosen: legs[0],
    legs,
    fallbacks,
    fallbackOn: route.fallbackOn,
    retries: route.retries,
    canary: arm && route.canary ? { name: route.canary.name, arm } : undefined,
    targetEmpty: targetEmpty || undefined,
    evaluation: route.evaluation,
  };
}
