import type { PolicyDocument } from '@switchyard/contracts';

const withoutCanary = (doc: PolicyDocument): Omit<PolicyDocument, 'canary'> => {
  const rest: PolicyDocument = { ...doc };
  // A rollout never nests: the parent's and the proposal's own canaries are dropped.
  delete rest.canary;
  return rest;
};

/**
 * The document of one canary step: the parent policy, rolling out `proposed` to `share` of callers.
 * A share of 1 is the proposed policy itself: the rollout is over.
 */
export function rolloutStep(parent: PolicyDocument, proposed: PolicyDocument, name: string, share: number, stickyKey: ('tenant' | 'user')[] = ['tenant', 'user']): PolicyDocument {
  if (share >= 1) return withoutCanary(proposed);
  return { ...withoutCanary(parent), canary: { name, share, stickyKey, policy: withoutCanary(proposed) } };
}
