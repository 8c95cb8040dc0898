import { describe, expect, it } from 'vitest';
import { POLICY_DIFF_ACTIONS, POLICY_DIFF_STATUSES, type PolicyDiffAction, type PolicyDiffStatus } from './policy-diff.schema.js';
import { transition } from './policy-diff.transition.js';

/** Every allowed move, written out; everything else must be refused. */
const ALLOWED: [PolicyDiffStatus, PolicyDiffAction, PolicyDiffStatus][] = [
  ['proposed', 'approved', 'approved'],
  ['proposed', 'rejected', 'rejected'],
  ['proposed', 'superseded', 'superseded'],
  ['approved', 'canary_started', 'canary'],
  ['approved', 'promoted', 'promoted'],
  ['approved', 'superseded', 'superseded'],
  ['canary', 'canary_step', 'canary'],
  ['canary', 'promoted', 'promoted'],
  ['canary', 'rolled_back', 'rolled_back'],
  ['promoted', 'rolled_back', 'rolled_back'],
  ...POLICY_DIFF_STATUSES.map((s): [PolicyDiffStatus, PolicyDiffAction, PolicyDiffStatus] => [s, 'commented', s]),
];

const key = (status: PolicyDiffStatus, action: PolicyDiffAction) => `${status} --${action}-->`;
const allowed = new Map(ALLOWED.map(([from, action, to]) => [key(from, action), to]));
const every = POLICY_DIFF_STATUSES.flatMap((status) => POLICY_DIFF_ACTIONS.map((action) => ({ status, action })));
const refused = every.filter(({ status, action }) => !allowed.has(key(status, action)));

describe('policy diff state machine', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toEqual({ ok: true, status: to });
  });

  it.each(refused)('refuses $action on a $status diff, saying why', ({ status, action }) => {
    const result = transition(status, action);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(`a ${status} policy diff cannot be ${action}`);
  });

  it('covers the whole table: every (status, action) pair is either allowed or refused', () => {
    expect(ALLOWED.length + refused.length).toBe(POLICY_DIFF_STATUSES.length * POLICY_DIFF_ACTIONS.length);
    expect(refused.length).toBe(every.length - allowed.size);
  });

  it('never lets `proposed` move an existing diff, and keeps final statuses final', () => {
    for (const status of POLICY_DIFF_STATUSES) expect(transition(status, 'proposed').ok).toBe(false);
    for (const status of ['rejected', 'rolled_back', 'superseded'] as const) {
      const moves = POLICY_DIFF_ACTIONS.filter((a) => a !== 'commented' && transition(status, a).ok);
      expect(moves).toEqual([]);
      const result = transition(status, 'approved');
      if (!result.ok) expect(result.message).toContain('final');
    }
  });
});
