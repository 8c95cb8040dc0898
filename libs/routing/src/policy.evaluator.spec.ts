import { DEFAULT_FALLBACK_ON, type PolicyDocumentInput } from '@switchyard/contracts';
import { seededRng } from './seeded-rng.js';
import { describe, expect, it } from 'vitest';
import { EMPTY_LIVE_STATE } from './live-state.js';
import { evaluate, NoRouteError } from './policy.evaluator.js';
import { chatFeatures } from './request-features.builder.js';
import { validatePolicy } from './policy.validator.js';
import { catalog, compile, features, liveState, noDraws, singleTarget, tally } from './testing/routing-fixture.factory.js';

describe('evaluate: workload resolution', () => {
  const policy = compile(
    {
      defaultWorkload: 'general',
      workloadRules: [
        { when: { feature: 'has_tools', op: 'eq', value: true }, workload: 'agents' },
        { when: { feature: 'input_tokens', op: 'gt', value: 50_000 }, workload: 'long' },
        { when: { feature: 'has_tools', op: 'ne', value: false }, workload: 'unreachable-after-agents' },
      ],
      defaultRoute: 'cheap',
      routes: { support: 'mid', coding: 'premium', agents: 'frontier', long: 'budget', summarize: 'thrifty' },
    },
    catalog(['legacy']),
  );
  const decide = (over: Parameters<typeof features>[0]) => evaluate(policy, features(over), EMPTY_LIVE_STATE, noDraws);

  it('takes the header first, then the key default, then the model alias, then workload rules, then the default', () => {
    const all = { workloadHeader: 'support', keyWorkload: 'coding', requestedModel: 'summarize', hasTools: true };
    expect(decide(all)).toMatchObject({ workload: 'support', workloadSource: 'header', chosen: 'mid' });
    expect(decide({ ...all, workloadHeader: undefined })).toMatchObject({ workload: 'coding', workloadSource: 'key', chosen: 'premium' });
    expect(decide({ ...all, workloadHeader: undefined, keyWorkload: undefined })).toMatchObject({ workload: 'summarize', workloadSource: 'alias', chosen: 'thrifty' });
    expect(decide({ ...all, workloadHeader: undefined, keyWorkload: undefined, requestedModel: 'auto' })).toMatchObject({ workload: 'agents', workloadSource: 'rule', chosen: 'frontier' });
    expect(decide({})).toMatchObject({ workload: 'general', workloadSource: 'default', chosen: 'cheap' });
  });

  it('tries workload rules in order; the first that holds wins', () => {
    expect(decide({ hasTools: true, inputTokens: 60_000 })).toMatchObject({ workload: 'agents', workloadSource: 'rule' });
    expect(decide({ inputTokens: 60_000 })).toMatchObject({ workload: 'long', workloadSource: 'rule', chosen: 'budget' });
  });

  it('counts a model alias only for a known workload: a route key, a declared workload, a rule target or the default', () => {
    expect(decide({ requestedModel: 'legacy' })).toMatchObject({ workload: 'legacy', workloadSource: 'alias', chosen: 'cheap' });
    expect(decide({ requestedModel: 'long' })).toMatchObject({ workload: 'long', workloadSource: 'alias' });
    expect(decide({ requestedModel: 'general' })).toMatchObject({ workload: 'general', workloadSource: 'alias' });
    expect(decide({ requestedModel: 'nonsense' })).toMatchObject({ workload: 'general', workloadSource: 'default' });
  });

  it('serves a named workload without a route of its own from the default route', () => {
    expect(decide({ workloadHeader: 'unlisted' })).toMatchObject({ workload: 'unlisted', workloadSource: 'header', rule: 'default', chosen: 'cheap' });
  });

  it('sends a request naming a model id to that model, whatever its workload routes to', () => {
    const d = decide({ requestedModel: 'premium', workloadHeader: 'support' });
    expect(d).toEqual({
      policyVersion: 'v1',
      workload: 'support',
      workloadSource: 'header',
      rule: 'pinned',
      strategy: 'pinned',
      ranked: [{ model: 'premium', score: null }],
      excluded: [],
      chosen: 'premium',
      legs: ['premium'],
      fallbacks: [],
      fallbackOn: [...DEFAULT_FALLBACK_ON],
      retries: { max: 0, baseMs: 200, maxMs: 5_000, on: ['rate_limited', 'server_error', 'connection'] },
      evaluation: { sampleRate: 0.05, canarySampleRate: 1, rubric: 'helpfulness', shadow: { rate: 0, k: 1 } },
    });
  });

  it('does not fall back from a pinned model that is unavailable or too small', () => {
    const down = evaluate(policy, features({ requestedModel: 'premium' }), liveState({ premium: { available: false, breaker: 'open' } }), noDraws);
    expect(down).toMatchObject({ rule: 'pinned', chosen: undefined, legs: [], fallbacks: [], ranked: [], excluded: [{ model: 'premium', reason: 'breaker_open' }] });
    const small = decide({ requestedModel: 'tiny', inputTokens: 4_000, maxTokens: 200 });
    expect(small).toMatchObject({ rule: 'pinned', chosen: undefined, excluded: [{ model: 'tiny', reason: 'context_window' }] });
  });
});

describe('evaluate: rules on the prompt\'s code and script signals', () => {
  const policy = compile(
    {
      defaultWorkload: 'general',
      workloadRules: [
        { when: { feature: 'has_code', op: 'eq', value: true }, workload: 'coding' },
        { when: { feature: 'non_latin_share', op: 'gte', value: 0.5 }, workload: 'multilingual' },
      ],
      defaultRoute: 'cheap',
      routes: { coding: 'premium', multilingual: 'frontier' },
    },
    catalog(),
  );
  // Features built from request bodies by the builder the gateway uses, not written by hand.
  const decide = (...messages: { role: string; content: string }[]) => evaluate(policy, chatFeatures({ model: 'auto', messages }, {}, undefined), EMPTY_LIVE_STATE, noDraws);

  it('routes code to one workload and mostly non-Latin prompts to another', () => {
    expect(decide({ role: 'user', content: 'Why does this throw?\n```\nJSON.parse(undefined)\n```' })).toMatchObject({ workload: 'coding', workloadSource: 'rule', chosen: 'premium' });
    expect(decide({ role: 'user', content: '请帮我总结一下这份文件的主要内容。' })).toMatchObject({ workload: 'multilingual', workloadSource: 'rule', chosen: 'frontier' });
    expect(decide({ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Where is my order?' })).toMatchObject({ workload: 'general', workloadSource: 'default', chosen: 'cheap' });
  });

  it('weighs the share over system and user text together', () => {
    const system = { role: 'system', content: 'You are the support assistant for an online shop. Answer politely.' };
    expect(decide(system, { role: 'user', content: 'Где мой заказ?' })).toMatchObject({ workload: 'general' });
    expect(decide({ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Где мой заказ? Он должен был прийти вчера.' })).toMatchObject({ workload: 'multilingual' });
  });
});

describe('evaluate: rules', () => {
  const policy = compile({
    defaultRoute: {
      rules: [
        { name: 'vision', when: { feature: 'has_images', op: 'eq', value: true }, target: { candidates: ['frontier'] } },
        { name: 'sql', when: { feature: 'system_prompt', op: 'matches', value: '\\bsql\\b', flags: 'i' }, target: { candidates: ['premium'] } },
        { name: 'rest', target: { candidates: ['cheap'] } },
      ],
    },
  });

  it('uses the first rule whose condition holds, and the unconditional last rule otherwise', () => {
    const rule = (over: Parameters<typeof features>[0]) => evaluate(policy, features(over), EMPTY_LIVE_STATE, noDraws);
    expect(rule({ hasImages: true, systemPrompt: 'write SQL' })).toMatchObject({ rule: 'vision', chosen: 'frontier', strategy: 'first' });
    expect(rule({ systemPrompt: 'You write SQL.' })).toMatchObject({ rule: 'sql', chosen: 'premium' });
    expect(rule({ systemPrompt: 'You write mysqldump scripts.' })).toMatchObject({ rule: 'rest', chosen: 'cheap' });
  });

  it('scores quality from the rule first, then the workload, then "*"', () => {
    const q = compile({
      defaultRoute: 'cheap',
      routes: {
        support: {
          rules: [
            { name: 'vip', when: { feature: 'metadata.tier', op: 'eq', value: 'vip' }, target: { candidates: ['mid', 'premium', 'frontier'], select: { kind: 'quality' } }, quality: { mid: 0.99 } },
            { name: 'rest', target: { candidates: ['mid', 'premium', 'frontier'], select: { kind: 'quality' } } },
          ],
        },
      },
      quality: { support: { premium: 0.9, mid: 0.5 }, '*': { mid: 0.8, premium: 0.7, frontier: 0.85 } },
    });
    const ranked = (tier: string) => evaluate(q, features({ workloadHeader: 'support', metadata: { tier } }), EMPTY_LIVE_STATE, noDraws).ranked;
    expect(ranked('vip')).toEqual([
      { model: 'mid', score: 0.99 },
      { model: 'premium', score: 0.9 },
      { model: 'frontier', score: 0.85 },
    ]);
    expect(ranked('std')).toEqual([
      { model: 'premium', score: 0.9 },
      { model: 'frontier', score: 0.85 },
      { model: 'mid', score: 0.5 },
    ]);
  });

  it('estimates cost from max_tokens when given, else from expectedOutputTokens', () => {
    const p = singleTarget({ candidates: ['mid', 'cheap'], select: { kind: 'cost' } }, { expectedOutputTokens: 1_000 });
    const scores = (maxTokens?: number) => evaluate(p, features({ inputTokens: 2_000, maxTokens }), EMPTY_LIVE_STATE, noDraws).ranked.map((r) => r.score);
    // cheap: 0.1 / 0.390625 per MTok; mid: 0.5 / 1.953125.
    expect(scores()).toEqual([(2_000 * 0.1 + 1_000 * 0.390625) / 1e6, (2_000 * 0.5 + 1_000 * 1.953125) / 1e6]);
    expect(scores(100)).toEqual([(2_000 * 0.1 + 100 * 0.390625) / 1e6, (2_000 * 0.5 + 100 * 1.953125) / 1e6]);
  });
});

describe('evaluate: availability and fallback', () => {
  it('excludes unavailable deployments with the reason, and keeps usable half-open and cold ones', () => {
    const p = singleTarget({ candidates: ['cheap', 'cheap-plus', 'thrifty', 'budget', 'mid', 'premium', 'frontier'] });
    const live = liveState({
      cheap: { available: false, breaker: 'open' },
      'cheap-plus': { available: false, breaker: 'half_open' },
      thrifty: { available: false, breaker: 'closed', cooldownUntil: Date.now() + 30_000 },
      budget: { available: false, breaker: 'closed' },
      mid: { available: true, breaker: 'half_open' },
    });
    const d = evaluate(p, features(), live, noDraws);
    expect(d.excluded).toEqual([
      { model: 'cheap', reason: 'breaker_open' },
      { model: 'cheap-plus', reason: 'probe_busy' },
      { model: 'thrifty', reason: 'cooldown' },
      { model: 'budget', reason: 'unavailable' },
    ]);
    expect(d.ranked.map((r) => r.model)).toEqual(['mid', 'premium', 'frontier']);
    expect(d).toMatchObject({ chosen: 'mid', legs: ['mid'], fallbacks: ['premium', 'frontier'] });
    expect(d.targetEmpty).toBeUndefined();
  });

  it('excludes a model whose context window cannot hold the prompt plus max_tokens', () => {
    const p = singleTarget({ candidates: ['tiny', 'cheap'] });
    expect(evaluate(p, features({ inputTokens: 4_000 }), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: 'tiny', excluded: [] });
    expect(evaluate(p, features({ inputTokens: 4_000, maxTokens: 96 }), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: 'tiny', excluded: [] });
    expect(evaluate(p, features({ inputTokens: 4_000, maxTokens: 97 }), EMPTY_LIVE_STATE, noDraws)).toMatchObject({
      chosen: 'cheap',
      excluded: [{ model: 'tiny', reason: 'context_window' }],
    });
  });

  it('serves from the fallback chain when the target yields nothing, skipping unusable fallbacks', () => {
    const p = compile({
      defaultRoute: {
        rules: [{ name: 'all', target: { candidates: ['cheap', 'tiny'], filters: [{ kind: 'quality_floor', min: 0.9 }] } }],
        fallback: { models: ['premium', 'mid', 'frontier'], on: ['timeout'] },
        retries: { max: 2 },
      },
      quality: { '*': { cheap: 0.5, tiny: 0.95 } },
    });
    const d = evaluate(p, features({ inputTokens: 5_000 }), liveState({ premium: { available: false, breaker: 'open' } }), noDraws);
    expect(d).toEqual({
      policyVersion: 'v1',
      workload: 'default',
      workloadSource: 'default',
      rule: 'all',
      strategy: 'quality_floor>first',
      ranked: [],
      excluded: [
        { model: 'tiny', reason: 'context_window' },
        { model: 'cheap', reason: 'filtered' },
        { model: 'premium', reason: 'breaker_open' },
      ],
      chosen: 'mid',
      legs: ['mid'],
      fallbacks: ['frontier'],
      fallbackOn: ['timeout'],
      retries: { max: 2, baseMs: 200, maxMs: 5_000, on: ['rate_limited', 'server_error', 'connection'] },
      canary: undefined,
      targetEmpty: true,
      evaluation: { sampleRate: 0.05, canarySampleRate: 1, rubric: 'helpfulness', shadow: { rate: 0, k: 1 } },
    });
  });

  it('appends the route fallbacks after the ranked candidates, each model once', () => {
    const p = compile({ defaultRoute: { rules: [{ name: 'all', target: { candidates: ['mid', 'cheap'] } }], fallback: { models: ['cheap', 'premium', 'mid', 'frontier'] } } });
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: 'mid', legs: ['mid'], fallbacks: ['cheap', 'premium', 'frontier'] });
  });

  it('still offers a candidate the filters dropped when the route lists it as a fallback', () => {
    const p = compile({
      defaultRoute: { rules: [{ name: 'all', target: { candidates: ['cheap', 'mid'], filters: [{ kind: 'quality_floor', min: 0.8 }] } }], fallback: { models: ['cheap'] } },
      quality: { '*': { cheap: 0.5, mid: 0.9 } },
    });
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: 'mid', fallbacks: ['cheap'], excluded: [{ model: 'cheap', reason: 'filtered' }] });
  });

  it('walks a shorthand list route in order as deployments go down', () => {
    const p = compile({ defaultRoute: ['premium', 'mid', 'cheap'] });
    const down = (...ids: string[]) => liveState(Object.fromEntries(ids.map((id) => [id, { available: false, breaker: 'open' as const }])));
    expect(evaluate(p, features(), down(), noDraws)).toMatchObject({ chosen: 'premium', fallbacks: ['mid', 'cheap'] });
    expect(evaluate(p, features(), down('premium'), noDraws)).toMatchObject({ chosen: 'mid', fallbacks: ['cheap'] });
    expect(evaluate(p, features(), down('premium', 'mid'), noDraws)).toMatchObject({ chosen: 'cheap', fallbacks: [] });
  });

  it('chooses nothing when no candidate and no fallback is available, listing each model once', () => {
    const p = compile({ defaultRoute: ['premium', 'mid', 'cheap'] });
    const live = liveState({ premium: { available: false, breaker: 'open' }, mid: { available: false, breaker: 'closed', cooldownUntil: 1 }, cheap: { available: false, breaker: 'half_open' } });
    const d = evaluate(p, features(), live, noDraws);
    expect(d).toMatchObject({ chosen: undefined, legs: [], fallbacks: [], ranked: [], targetEmpty: true });
    expect(d.excluded).toEqual([
      { model: 'premium', reason: 'breaker_open' },
      { model: 'mid', reason: 'cooldown' },
      { model: 'cheap', reason: 'probe_busy' },
    ]);
  });
});

describe('evaluate: embeddings', () => {
  it('routes embeddings calls through the embedding route, whatever the workload', () => {
    const p = compile({ defaultRoute: 'mid', embeddingRoute: 'embed-small', routes: { support: 'premium' } });
    expect(evaluate(p, features({ operation: 'embeddings', workloadHeader: 'support' }), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ workload: 'support', chosen: 'embed-small' });
  });

  it('throws NoRouteError for an auto embeddings call without an embedding route, but serves a pinned one', () => {
    const p = compile({ defaultRoute: 'mid' });
    expect(() => evaluate(p, features({ operation: 'embeddings' }), EMPTY_LIVE_STATE, noDraws)).toThrow(NoRouteError);
    expect(evaluate(p, features({ operation: 'embeddings', requestedModel: 'embed-small' }), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: 'embed-small', rule: 'pinned' });
  });
});

describe('evaluate: canary', () => {
  const doc = (share: number, stickyKey?: ('tenant' | 'user')[]): PolicyDocumentInput => ({
    defaultRoute: {
      rules: [{ name: 'stable', target: { candidates: ['mid'] } }],
      canary: { name: 'diff-42', share, target: { candidates: ['cheap'] }, ...(stickyKey ? { stickyKey } : {}) },
    },
  });
  const arm = (d: ReturnType<typeof evaluate>) => d.canary?.arm;

  it('labels the arm and the rule on the decision', () => {
    const all = compile(doc(1));
    const none = compile(doc(0));
    const f = features({ tenant: 'acme', user: 'u1' });
    expect(evaluate(all, f, EMPTY_LIVE_STATE, noDraws)).toMatchObject({ rule: 'canary:diff-42', chosen: 'cheap', canary: { name: 'diff-42', arm: 'canary' } });
    expect(evaluate(none, f, EMPTY_LIVE_STATE, noDraws)).toMatchObject({ rule: 'stable', chosen: 'mid', canary: { name: 'diff-42', arm: 'control' } });
  });

  it('keeps a tenant and user on one arm across evaluations and freshly compiled instances', () => {
    const first = compile(doc(0.3), catalog(), 'v7');
    const again = compile(doc(0.3), catalog(), 'v8');
    const rng = seededRng(1);
    const arms = new Set<string>();
    for (let u = 0; u < 300; u++) {
      const f = features({ tenant: `t-${u % 7}`, user: `user-${u}` });
      const expected = arm(evaluate(first, f, EMPTY_LIVE_STATE, rng))!;
      arms.add(expected);
      for (let i = 0; i < 20; i++) {
        expect(arm(evaluate(i % 2 ? first : again, f, EMPTY_LIVE_STATE, rng))).toBe(expected);
      }
    }
    expect([...arms].sort()).toEqual(['canary', 'control']);
  });

  it('sends close to the configured share of distinct users to the canary', () => {
    for (const share of [0.05, 0.3, 0.5]) {
      const p = compile(doc(share));
      let canary = 0;
      const users = 20_000;
      for (let u = 0; u < users; u++) if (arm(evaluate(p, features({ tenant: 'acme', user: `user-${u}` }), EMPTY_LIVE_STATE, noDraws)) === 'canary') canary++;
      expect(Math.abs(canary / users - share)).toBeLessThan(0.02);
    }
  });

  it('hashes only the configured sticky keys', () => {
    const p = compile(doc(0.5, ['tenant']));
    for (let t = 0; t < 50; t++) {
      const arms = new Set(Array.from({ length: 30 }, (_, u) => arm(evaluate(p, features({ tenant: `tenant-${t}`, user: `u-${u}` }), EMPTY_LIVE_STATE, noDraws))));
      expect(arms.size).toBe(1);
    }
  });

  it('draws the arm from the rng when the request has no sticky value', () => {
    const p = compile(doc(0.3, ['user']));
    const rng = seededRng(99);
    const arms = tally(Array.from({ length: 20_000 }, () => arm(evaluate(p, features({ tenant: 'acme' }), EMPTY_LIVE_STATE, rng))));
    expect(Math.abs(arms.get('canary')! / 20_000 - 0.3)).toBeLessThan(0.02);
    // The same draws replay the same arms.
    const replay = (seed: number) => Array.from({ length: 50 }, ((r) => () => arm(evaluate(p, features(), EMPTY_LIVE_STATE, r)))(seededRng(seed)));
    expect(replay(5)).toEqual(replay(5));
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, () => 0.29)).toMatchObject({ canary: { arm: 'canary' } });
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, () => 0.3)).toMatchObject({ canary: { arm: 'control' } });
  });

  it('falls back down the route when the canary target has nothing available', () => {
    const p = compile({
      defaultRoute: { rules: [{ name: 'stable', target: { candidates: ['mid'] } }], fallback: { models: ['premium'] }, canary: { name: 'c', share: 1, target: { candidates: ['cheap'] } } },
    });
    expect(evaluate(p, features({ user: 'u' }), liveState({ cheap: { available: false, breaker: 'open' } }), noDraws)).toMatchObject({
      rule: 'canary:c',
      chosen: 'premium',
      targetEmpty: true,
      excluded: [{ model: 'cheap', reason: 'breaker_open' }],
    });
  });
});

describe('evaluate: a whole-policy rollout (policy canary)', () => {
  const parent = { defaultRoute: 'premium', routes: { support: { rules: [{ name: 'old', target: { candidates: ['mid'] } }] } } };
  const rolledOut = { defaultRoute: 'cheap', routes: { support: { rules: [{ name: 'short', when: { feature: 'input_tokens', op: 'lt', value: 300 }, target: { candidates: ['cheap'] } }, { name: 'long', target: { candidates: ['mid'] } }] } } } as const;
  const doc = (share: number): PolicyDocumentInput => ({ ...parent, canary: { name: 'pd_1', share, policy: rolledOut } });

  it('routes the canary side by the rolled-out policy, rules and all, and labels the decision with the active version', () => {
    const f = features({ workloadHeader: 'support', inputTokens: 100, user: 'u1' });
    expect(evaluate(compile(doc(1), catalog(), 'pv_9'), f, EMPTY_LIVE_STATE, noDraws)).toMatchObject({ policyVersion: 'pv_9', rule: 'short', chosen: 'cheap', canary: { name: 'pd_1', arm: 'canary' } });
    expect(evaluate(compile(doc(0), catalog(), 'pv_9'), f, EMPTY_LIVE_STATE, noDraws)).toMatchObject({ policyVersion: 'pv_9', rule: 'old', chosen: 'mid', canary: { name: 'pd_1', arm: 'control' } });
  });

  it('keeps each user on one side as the share grows step by step', () => {
    const steps = [0.05, 0.25, 0.5, 1].map((share) => compile(doc(share)));
    for (let u = 0; u < 500; u++) {
      const f = features({ user: `user-${u}` });
      const sides = steps.map((p) => evaluate(p, f, EMPTY_LIVE_STATE, noDraws).canary?.arm);
      // Once on the canary, a user stays there at every larger share.
      const first = sides.indexOf('canary');
      expect(sides.slice(first === -1 ? sides.length : first).every((s) => s === 'canary')).toBe(true);
    }
  });

  it('validates the rolled-out policy too, with its own paths', () => {
    const bad = validatePolicy({ ...parent, canary: { name: 'x', share: 0.1, policy: { defaultRoute: 'nope' } } }, catalog());
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues).toEqual([{ path: 'canary.policy.defaultRoute.rules.0.target.candidates.0', message: 'unknown model "nope"' }]);
  });
});
