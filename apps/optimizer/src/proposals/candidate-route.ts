import type { PolicyDocument, RouteInput } from '@switchyard/contracts';
import { type ModelCatalog, validatePolicy } from '@switchyard/routing';

/** A route the search considers for one workload. */
export type CandidateRoute =
  | { kind: 'single'; model: string }
  /** `input_tokens < threshold` → `below`, else `above`. */
  | { kind: 'threshold'; threshold: number; below: string; above: string };

/** Models a candidate can send traffic to. */
export const modelsOf = (c: CandidateRoute): string[] => (c.kind === 'single' ? [c.model] : [c.below, c.above]);

export const describeCandidate = (c: CandidateRoute): string =>
  c.kind === 'single' ? c.model : `input_tokens < ${c.threshold} → ${c.below}, else ${c.above}`;

/**
 * The parent document with `workload`'s route rules replaced by the candidate's. The route's fallback,
 * retries and evaluation settings are kept (from the workload's own route, else the default route),
 * so the diff changes only which model serves; a route-level canary is dropped.
 */
export function applyCandidate(parent: PolicyDocument, catalog: ModelCatalog, workload: string, c: CandidateRoute): PolicyDocument {
  const base = parent.routes[workload] ?? parent.defaultRoute;
  const rules: Extract<RouteInput, { rules: unknown }>['rules'] =
    c.kind === 'single'
      ? [{ name: 'default', target: { candidates: [c.model] } }]
      : [
          { name: 'short-prompts', when: { feature: 'input_tokens', op: 'lt', value: c.threshold }, target: { candidates: [c.below] } },
          { name: 'default', target: { candidates: [c.above] } },
        ];
  const route: RouteInput = { rules, fallback: base.fallback, retries: base.retries, ...(base.evaluation ? { evaluation: base.evaluation } : {}) };
  const v = validatePolicy({ ...parent, routes: { ...parent.routes, [workload]: route } }, catalog);
  if (!v.ok) throw new Error(`candidate route ${describeCandidate(c)} for ${workload} is not a valid policy: ${JSON.stringify(v.issues)}`);
  return v.policy;
}
