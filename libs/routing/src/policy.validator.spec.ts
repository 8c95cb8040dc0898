import { DEFAULT_FALLBACK_ON, type PolicyDocumentInput } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { type PolicyIssue, validatePolicy } from './policy.validator.js';
import { catalog } from './testing/routing-fixture.factory.js';

const issuesOf = (doc: unknown): PolicyIssue[] => {
  const r = validatePolicy(doc, catalog(['support']));
  if (r.ok) throw new Error('expected the policy to be rejected');
  return r.issues;
};

const route = (...candidates: string[]): PolicyDocumentInput['defaultRoute'] => ({ rules: [{ name: 'all', target: { candidates } }] });

describe('validatePolicy', () => {
  it('accepts a valid policy and fills in the defaults', () => {
    const r = validatePolicy({ defaultRoute: route('mid') }, catalog());
    expect(r).toEqual({
      ok: true,
      policy: {
        defaultWorkload: 'default',
        workloadRules: [],
        defaultRoute: {
          rules: [{ name: 'all', target: { candidates: ['mid'], filters: [], select: { kind: 'first' } } }],
          fallback: { models: [], on: [...DEFAULT_FALLBACK_ON] },
          retries: { max: 0, baseMs: 200, maxMs: 5_000, on: ['rate_limited', 'server_error', 'connection'] },
        },
        routes: {},
        quality: {},
        evaluation: { sampleRate: 0.05, canarySampleRate: 1, rubric: 'helpfulness', shadow: { rate: 0, k: 1 } },
        expectedOutputTokens: 256,
      },
    });
  });

  it('expands a route given as one model id', () => {
    const r = validatePolicy({ defaultRoute: 'mid' }, catalog());
    expect(r.ok && r.policy.defaultRoute.rules).toEqual([{ name: 'default', target: { candidates: ['mid'], filters: [], select: { kind: 'first' } } }]);
    expect(r.ok && r.policy.defaultRoute.fallback).toEqual({ models: [], on: [...DEFAULT_FALLBACK_ON] });
  });

  it('expands a route given as a list: the first available, falling back down the list', () => {
    const r = validatePolicy({ defaultRoute: 'mid', routes: { support: ['premium', 'mid', 'cheap'] } }, catalog());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.policy.routes['support'].rules).toEqual([{ name: 'default', target: { candidates: ['premium', 'mid', 'cheap'], filters: [], select: { kind: 'first' } } }]);
    expect(r.policy.routes['support'].fallback).toEqual({ models: ['mid', 'cheap'], on: [...DEFAULT_FALLBACK_ON] });
  });

  it('reports unknown models wherever they appear, with dotted paths', () => {
    expect(
      issuesOf({
        defaultRoute: { rules: [{ name: 'all', target: { candidates: ['mid', 'gpt-9'] }, quality: { 'ghost-a': 0.5 } }], fallback: { models: ['ghost-b'] } },
        routes: { support: { rules: [{ name: 'r', target: { candidates: ['mid'] } }], canary: { name: 'c', share: 0.1, target: { candidates: ['ghost-c'] } } } },
        quality: { '*': { 'ghost-d': 0.9 } },
      }),
    ).toEqual([
      { path: 'defaultRoute.rules.0.target.candidates.1', message: 'unknown model "gpt-9"' },
      { path: 'defaultRoute.rules.0.quality.ghost-a', message: 'unknown model "ghost-a"' },
      { path: 'defaultRoute.fallback.models.0', message: 'unknown model "ghost-b"' },
      { path: 'routes.support.canary.target.candidates.0', message: 'unknown model "ghost-c"' },
      { path: 'quality.*.ghost-d', message: 'unknown model "ghost-d"' },
    ]);
  });

  it('reports an unknown model in a shorthand route at the path of its expansion', () => {
    expect(issuesOf({ defaultRoute: ['mid', 'nope'] })).toEqual([
      { path: 'defaultRoute.rules.0.target.candidates.1', message: 'unknown model "nope"' },
      { path: 'defaultRoute.fallback.models.0', message: 'unknown model "nope"' },
    ]);
  });

  it('rejects an embedding model in a chat route and a chat model in the embedding route', () => {
    const found = issuesOf({ defaultRoute: route('mid', 'embed-small'), embeddingRoute: 'mid' });
    expect(found.map((i) => i.path)).toEqual(['defaultRoute.rules.0.target.candidates.1', 'embeddingRoute.rules.0.target.candidates.0']);
    expect(found[0].message).toMatch(/^model "embed-small" is an? embedding model; this route serves chat requests$/);
    expect(found[1].message).toMatch(/^model "mid" is an? chat model; this route serves embedding requests$/);
    expect(validatePolicy({ defaultRoute: 'mid', embeddingRoute: 'embed-small' }, catalog()).ok).toBe(true);
  });

  it('rejects weights naming a model that is not a candidate', () => {
    expect(issuesOf({ defaultRoute: { rules: [{ name: 'all', target: { candidates: ['mid', 'cheap'], select: { kind: 'weighted', weights: { mid: 1, premium: 1 } } } }] } })).toEqual([
      { path: 'defaultRoute.rules.0.target.select.weights.premium', message: '"premium" is weighted but not a candidate' },
    ]);
  });

  it('rejects weights that give every candidate 0', () => {
    expect(issuesOf({ defaultRoute: { rules: [{ name: 'all', target: { candidates: ['mid', 'cheap'], select: { kind: 'weighted', weights: { mid: 0 } } } }] } })).toEqual([
      { path: 'defaultRoute.rules.0.target.select.weights', message: 'every candidate has weight 0' },
    ]);
  });

  it('rejects a condition on the last rule, and a missing one on any other', () => {
    const target = { candidates: ['mid'] };
    expect(
      issuesOf({
        defaultRoute: {
          rules: [
            { name: 'a', target },
            { name: 'b', when: { feature: 'has_tools', op: 'eq', value: true }, target },
          ],
        },
      }),
    ).toEqual([
      { path: 'defaultRoute.rules.0.when', message: 'only the last rule may omit its condition' },
      { path: 'defaultRoute.rules.1.when', message: 'the last rule must have no condition, so every request matches a rule' },
    ]);
  });

  it('rejects duplicate rule names', () => {
    const when = { feature: 'has_tools', op: 'eq', value: true } as const;
    expect(
      issuesOf({
        defaultRoute: 'mid',
        routes: {
          support: {
            rules: [
              { name: 'tools', when, target: { candidates: ['mid'] } },
              { name: 'tools', when, target: { candidates: ['cheap'] } },
              { name: 'rest', target: { candidates: ['cheap'] } },
            ],
          },
        },
      }),
    ).toEqual([{ path: 'routes.support.rules.1.name', message: 'duplicate rule name "tools"' }]);
  });

  it('rejects a workload named like a model id', () => {
    expect(issuesOf({ defaultRoute: 'mid', routes: { premium: 'premium' } })).toEqual([{ path: 'routes.premium', message: '"premium" is a model id; a workload cannot share its name' }]);
  });

  it('reports shape errors from the contract with dotted paths', () => {
    const found = issuesOf({
      defaultRoute: { rules: [{ name: 'all', target: { candidates: ['mid'], filters: [{ kind: 'quality_floor', min: 1.5 }] } }], retries: { max: 9 } },
      routes: { support: { rules: [{ name: 'x', target: { candidates: [] } }] } },
    });
    expect(found.map((i) => i.path)).toEqual(['defaultRoute.rules.0.target.filters.0.min', 'defaultRoute.retries.max', 'routes.support.rules.0.target.candidates']);
  });

  it('reports a document that is not an object at (root)', () => {
    expect(issuesOf('mid')).toEqual([{ path: '(root)', message: expect.any(String) as string }]);
    expect(issuesOf({})).toEqual([{ path: 'defaultRoute', message: expect.any(String) as string }]);
  });
});
