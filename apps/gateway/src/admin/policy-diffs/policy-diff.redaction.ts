import type { JsonPatchOperation, PolicyCanary, PolicyDiff, PolicyDocument } from '@switchyard/contracts';

type PolicyFields = Omit<PolicyDocument, 'canary'>;

/**
 * A diff as a tenant admin may see it. The policy is shared by every tenant, so a proposed
 * document names the other tenants' workloads and routes too: the tenant's copy keeps only its own
 * workloads' routes, quality estimates and classification rules (and the shared parts: default
 * route, `*` quality, evaluation), and the patch only operations that touch none of the others'.
 */
export function diffForTenant<T extends PolicyDiff>(diff: T, owned: ReadonlySet<string>): T {
  const foreign = foreignWorkloads(diff.proposedDocument, owned);
  if (foreign.size === 0) return diff;
  return { ...diff, proposedDocument: documentFor(diff.proposedDocument, owned), patch: diff.patch.filter((op) => !touchesAny(op, foreign)) };
}

function documentFor(doc: PolicyDocument, owned: ReadonlySet<string>): PolicyDocument {
  const { canary, ...fields } = doc;
  const mine = fieldsFor(fields, owned);
  return canary ? { ...mine, canary: { ...canary, policy: fieldsFor(canary.policy, owned) } satisfies PolicyCanary } : mine;
}

function fieldsFor(fields: PolicyFields, owned: ReadonlySet<string>): PolicyFields {
  return {
    ...fields,
    workloadRules: fields.workloadRules.filter((r) => owned.has(r.workload)),
    routes: Object.fromEntries(Object.entries(fields.routes).filter(([w]) => owned.has(w))),
    quality: Object.fromEntries(Object.entries(fields.quality).filter(([w]) => w === '*' || owned.has(w))),
  };
}

/** Workload names the document mentions that the tenant does not own. */
function foreignWorkloads(doc: PolicyDocument, owned: ReadonlySet<string>): Set<string> {
  const named = (f: PolicyFields): string[] => [...Object.keys(f.routes), ...Object.keys(f.quality).filter((w) => w !== '*'), ...f.workloadRules.map((r) => r.workload)];
  return new Set([...named(doc), ...(doc.canary ? named(doc.canary.policy) : [])].filter((w) => !owned.has(w)));
}

/** Whether an operation addresses another workload's entry or carries its name in its value. */
function touchesAny(op: JsonPatchOperation, foreign: ReadonlySet<string>): boolean {
  const pointers = 'from' in op ? [op.path, op.from] : [op.path];
  const entry = /\/(?:routes|quality)\/([^/]+)/;
  if (pointers.some((p) => foreign.has(entry.exec(p)?.[1] ?? ''))) return true;
  if (!('value' in op) || op.value === undefined) return false;
  const value = JSON.stringify(op.value);
  return [...foreign].some((w) => value.includes(JSON.stringify(w)));
}
