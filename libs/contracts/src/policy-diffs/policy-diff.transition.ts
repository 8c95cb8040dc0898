import type { PolicyDiffAction, PolicyDiffStatus } from './policy-diff.schema.js';

export type PolicyDiffTransition = { ok: true; status: PolicyDiffStatus } | { ok: false; message: string };

/**
 * Every status move a diff may make: proposed → approved | rejected | superseded; approved →
 * canary | promoted | superseded; canary → canary (a step) | promoted | rolled_back; promoted → rolled_back
 * (a later revert). `commented` is allowed anywhere and keeps the status; `proposed` only ever
 * starts a diff. Rejected, rolled back and superseded diffs are final.
 */
const MOVES: Readonly<Record<PolicyDiffStatus, Partial<Record<PolicyDiffAction, PolicyDiffStatus>>>> = {
  proposed: { approved: 'approved', rejected: 'rejected', superseded: 'superseded' },
  // A schedule of one step, [1], promotes without a canary.
  approved: { canary_started: 'canary', promoted: 'promoted', superseded: 'superseded' },
  canary: { canary_step: 'canary', promoted: 'promoted', rolled_back: 'rolled_back' },
  promoted: { rolled_back: 'rolled_back' },
  rejected: {},
  rolled_back: {},
  superseded: {},
};

/** The one place that decides whether `action` may happen to a diff in `status`, and what status follows. */
export function transition(status: PolicyDiffStatus, action: PolicyDiffAction): PolicyDiffTransition {
  if (action === 'commented') return { ok: true, status };
  const next = MOVES[status][action];
  if (next !== undefined) return { ok: true, status: next };
  const allowed = Object.keys(MOVES[status]);
  const hint = allowed.length ? `; allowed: ${[...allowed, 'commented'].join(', ')}` : '; it is final (only comments)';
  return { ok: false, message: `a ${status} policy diff cannot be ${action}${hint}` };
}
