import { type PolicyDocument, policyDocumentSchema, type Route, type Target } from '@switchyard/contracts';
import type { ModelCatalog } from './model-catalog.js';

export interface PolicyIssue {
  /** Dotted path into the document, e.g. `routes.support.rules.0.target.candidates.1`. */
  path: string;
  message: string;
}

export type PolicyValidation = { ok: true; policy: PolicyDocument } | { ok: false; issues: PolicyIssue[] };

const joinPath = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/**
 * Parses a policy and checks it against the configured models. A version that fails here is never
 * stored or activated, so the gateway never routes to a model it cannot call.
 */
export function validatePolicy(input: unknown, catalog: ModelCatalog): PolicyValidation {
  const parsed = policyDocumentSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: joinPath(i.path) || '(root)', message: i.message })) };
  const policy = parsed.data;
  const issues: PolicyIssue[] = [];
  checkDocument(policy, catalog, '', issues);
  if (policy.canary) checkDocument(policy.canary.policy, catalog, 'canary.policy.', issues);
  return issues.length ? { ok: false, issues } : { ok: true, policy };
}

/** Checks one policy document (the active one, or the one a canary rolls out) against the models. */
function checkDocument(doc: Omit<PolicyDocument, 'canary'>, catalog: ModelCatalog, prefix: string, issues: PolicyIssue[]): void {
  const checkModel = (id: string, kind: 'chat' | 'embedding', path: string): void => {
    const m = catalog.models.get(id);
    if (!m) issues.push({ path, message: `unknown model "${id}"` });
    else if (m.kind !== kind) issues.push({ path, message: `model "${id}" is ${m.kind === 'embedding' ? 'an embedding' : 'a chat'} model; this route serves ${kind} requests` });
  };
  const checkTarget = (t: Target, kind: 'chat' | 'embedding', path: string): void => {
    t.candidates.forEach((id, i) => checkModel(id, kind, `${path}.candidates.${i}`));
    if (t.select.kind === 'weighted') {
      const weights = t.select.weights;
      for (const id of Object.keys(weights)) {
        if (!t.candidates.includes(id)) issues.push({ path: `${path}.select.weights.${id}`, message: `"${id}" is weighted but not a candidate` });
      }
      if (!t.candidates.some((id) => (weights[id] ?? 0) > 0)) issues.push({ path: `${path}.select.weights`, message: 'every candidate has weight 0' });
    }
  };
  const checkRoute = (r: Route, kind: 'chat' | 'embedding', path: string): void => {
    r.rules.forEach((rule, i) => {
      checkTarget(rule.target, kind, `${path}.rules.${i}.target`);
      for (const id of Object.keys(rule.quality ?? {})) checkModel(id, kind, `${path}.rules.${i}.quality.${id}`);
    });
    r.fallback.models.forEach((id, i) => checkModel(id, kind, `${path}.fallback.models.${i}`));
    if (r.canary) checkTarget(r.canary.target, kind, `${path}.canary.target`);
    r.evaluation?.shadow.models?.forEach((id, i) => checkModel(id, kind, `${path}.evaluation.shadow.models.${i}`));
  };

  checkRoute(doc.defaultRoute, 'chat', `${prefix}defaultRoute`);
  for (const [name, route] of Object.entries(doc.routes)) checkRoute(route, 'chat', `${prefix}routes.${name}`);
  if (doc.embeddingRoute) checkRoute(doc.embeddingRoute, 'embedding', `${prefix}embeddingRoute`);
  doc.evaluation.shadow.models?.forEach((id, i) => checkModel(id, 'chat', `${prefix}evaluation.shadow.models.${i}`));
  for (const [workload, scores] of Object.entries(doc.quality)) {
    for (const id of Object.keys(scores)) if (!catalog.models.has(id)) issues.push({ path: `${prefix}quality.${workload}.${id}`, message: `unknown model "${id}"` });
  }
  // A workload name that is also a model id would make `model: <name>` ambiguous.
  for (const name of Object.keys(doc.routes)) {
    if (catalog.models.has(name)) issues.push({ path: `${prefix}routes.${name}`, message: `"${name}" is a model id; a workload cannot share its name` });
  }
}
