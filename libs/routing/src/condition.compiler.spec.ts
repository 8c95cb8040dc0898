import { type Condition, conditionSchema } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { compileCondition } from './condition.compiler.js';
import type { RequestFeatures } from './request-features.js';
import { validatePolicy } from './policy.validator.js';
import { catalog, features } from './testing/routing-fixture.factory.js';

const holds = (c: Condition, over: Partial<RequestFeatures> = {}): boolean => compileCondition(c)(features(over));

const request = features({
  requestedModel: 'support',
  inputTokens: 1_200,
  messageCount: 4,
  maxTokens: 512,
  hasTools: true,
  hasImages: false,
  jsonMode: true,
  stream: false,
  hasCode: true,
  nonLatinShare: 0.25,
  systemPrompt: 'You are a SQL assistant.\nAnswer in JSON.',
  tenant: 'acme',
  user: 'u-17',
  metadata: { tier: 'gold', priority: '7', beta: 'true', empty: '' },
  headers: { 'x-team': 'search', 'x-budget': '0.25' },
});
const on = (c: Condition): boolean => compileCondition(c)(request);

describe('compileCondition: each feature kind', () => {
  it.each<[string, string | number | boolean, string | number | boolean]>([
    ['input_tokens', 1_200, 1_201],
    ['message_count', 4, 3],
    ['max_tokens', 512, 256],
    ['non_latin_share', 0.25, 0.5],
    ['has_tools', true, false],
    ['has_images', false, true],
    ['json_mode', true, false],
    ['stream', false, true],
    ['has_code', true, false],
    ['system_prompt', 'You are a SQL assistant.\nAnswer in JSON.', 'You are a SQL assistant.'],
    ['tenant', 'acme', 'globex'],
    ['user', 'u-17', 'u-18'],
    ['operation', 'chat', 'embeddings'],
    ['requested_model', 'support', 'auto'],
    ['metadata.tier', 'gold', 'silver'],
    ['header.x-team', 'search', 'ads'],
  ])('%s reads its own field (eq %j holds, eq %j does not)', (feature, yes, no) => {
    expect(on({ feature, op: 'eq', value: yes })).toBe(true);
    expect(on({ feature, op: 'eq', value: no })).toBe(false);
  });

  it('reads has_code and non_latin_share as false and 0 when the features leave them out', () => {
    const bare = { ...features(), hasCode: undefined, nonLatinShare: undefined };
    expect(compileCondition({ feature: 'has_code', op: 'eq', value: false })(bare)).toBe(true);
    expect(compileCondition({ feature: 'non_latin_share', op: 'eq', value: 0 })(bare)).toBe(true);
    expect(compileCondition({ feature: 'non_latin_share', op: 'lt', value: 0.1 })(bare)).toBe(true);
  });

  it('reads metadata keys containing dots, and header names as given (lower case)', () => {
    expect(holds({ feature: 'metadata.app.version', op: 'eq', value: '2' }, { metadata: { 'app.version': '2' } })).toBe(true);
    expect(holds({ feature: 'header.x-team', op: 'exists' }, { headers: { 'X-Team': 'search' } })).toBe(false);
  });
});

describe('compileCondition: operators', () => {
  it('eq compares across types the way metadata and headers need (they arrive as strings)', () => {
    expect(on({ feature: 'metadata.priority', op: 'eq', value: 7 })).toBe(true);
    expect(on({ feature: 'metadata.priority', op: 'eq', value: '7' })).toBe(true);
    expect(on({ feature: 'metadata.priority', op: 'eq', value: 7.5 })).toBe(false);
    expect(on({ feature: 'metadata.beta', op: 'eq', value: true })).toBe(true);
    expect(on({ feature: 'metadata.beta', op: 'eq', value: false })).toBe(false);
    expect(on({ feature: 'header.x-budget', op: 'eq', value: 0.25 })).toBe(true);
    expect(holds({ feature: 'metadata.n', op: 'eq', value: 1_000 }, { metadata: { n: '1e3' } })).toBe(true);
    expect(holds({ feature: 'header.x-n', op: 'eq', value: 7 }, { headers: { 'x-n': '7.0' } })).toBe(true);
    expect(holds({ feature: 'header.x-n', op: 'in', value: [0.5, 7] }, { headers: { 'x-n': '07' } })).toBe(true);
    expect(on({ feature: 'input_tokens', op: 'eq', value: '1200' })).toBe(true);
    expect(on({ feature: 'tenant', op: 'eq', value: 'ACME' })).toBe(false);
    expect(on({ feature: 'metadata.missing', op: 'eq', value: '' })).toBe(false);
    expect(on({ feature: 'max_tokens', op: 'eq', value: 512 })).toBe(true);
    expect(holds({ feature: 'max_tokens', op: 'eq', value: 0 })).toBe(false);
  });

  it('ne is the negation of eq, so a missing feature is "not equal"', () => {
    expect(on({ feature: 'tenant', op: 'ne', value: 'acme' })).toBe(false);
    expect(on({ feature: 'tenant', op: 'ne', value: 'globex' })).toBe(true);
    expect(on({ feature: 'metadata.priority', op: 'ne', value: 7 })).toBe(false);
    expect(on({ feature: 'metadata.missing', op: 'ne', value: 'x' })).toBe(true);
    expect(on({ feature: 'has_images', op: 'ne', value: true })).toBe(true);
  });

  it('lt, lte, gt, gte compare numbers with inclusive and exclusive bounds', () => {
    const at = (op: 'lt' | 'lte' | 'gt' | 'gte', value: number): boolean => on({ feature: 'input_tokens', op, value });
    expect([at('lt', 1_200), at('lt', 1_201), at('lt', 1_199)]).toEqual([false, true, false]);
    expect([at('lte', 1_200), at('lte', 1_199), at('lte', 1_201)]).toEqual([true, false, true]);
    expect([at('gt', 1_200), at('gt', 1_199), at('gt', 1_201)]).toEqual([false, true, false]);
    expect([at('gte', 1_200), at('gte', 1_201), at('gte', 1_199)]).toEqual([true, false, true]);
    expect(on({ feature: 'message_count', op: 'gte', value: 4 })).toBe(true);
    expect(on({ feature: 'max_tokens', op: 'lt', value: 1_000 })).toBe(true);
    expect([on({ feature: 'non_latin_share', op: 'gte', value: 0.25 }), on({ feature: 'non_latin_share', op: 'gt', value: 0.25 }), on({ feature: 'non_latin_share', op: 'lt', value: 0.5 })]).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('numeric operators read numeric strings from metadata and headers, and are false for anything else', () => {
    expect(on({ feature: 'metadata.priority', op: 'gt', value: 5 })).toBe(true);
    expect(on({ feature: 'metadata.priority', op: 'lte', value: 6.9 })).toBe(false);
    expect(on({ feature: 'header.x-budget', op: 'lt', value: 0.5 })).toBe(true);
    // Not numbers: neither side of any bound holds.
    for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
      expect(on({ feature: 'metadata.tier', op, value: 0 })).toBe(false);
      expect(on({ feature: 'metadata.empty', op, value: 0 })).toBe(false);
      expect(on({ feature: 'metadata.missing', op, value: 0 })).toBe(false);
      expect(holds({ feature: 'max_tokens', op, value: 0 })).toBe(false);
    }
  });

  it('in and not_in test membership with the same coercion as eq', () => {
    expect(on({ feature: 'metadata.tier', op: 'in', value: ['silver', 'gold'] })).toBe(true);
    expect(on({ feature: 'metadata.tier', op: 'in', value: ['silver', 'bronze'] })).toBe(false);
    expect(on({ feature: 'metadata.priority', op: 'in', value: [1, 7, 9] })).toBe(true);
    expect(on({ feature: 'tenant', op: 'in', value: ['acme'] })).toBe(true);
    expect(on({ feature: 'metadata.missing', op: 'in', value: ['gold'] })).toBe(false);
    expect(on({ feature: 'metadata.tier', op: 'not_in', value: ['silver', 'gold'] })).toBe(false);
    expect(on({ feature: 'metadata.tier', op: 'not_in', value: ['silver', 'bronze'] })).toBe(true);
    expect(on({ feature: 'metadata.missing', op: 'not_in', value: ['gold'] })).toBe(true);
    expect(on({ feature: 'has_tools', op: 'not_in', value: [false] })).toBe(true);
  });

  it('matches runs the regular expression, honouring its flags', () => {
    expect(on({ feature: 'system_prompt', op: 'matches', value: 'SQL assistant' })).toBe(true);
    expect(on({ feature: 'system_prompt', op: 'matches', value: 'sql assistant' })).toBe(false);
    expect(on({ feature: 'system_prompt', op: 'matches', value: 'sql assistant', flags: 'i' })).toBe(true);
    expect(on({ feature: 'system_prompt', op: 'matches', value: '^Answer' })).toBe(false);
    expect(on({ feature: 'system_prompt', op: 'matches', value: '^Answer', flags: 'm' })).toBe(true);
    expect(on({ feature: 'system_prompt', op: 'matches', value: 'assistant.+JSON' })).toBe(false);
    expect(on({ feature: 'system_prompt', op: 'matches', value: 'assistant.+JSON', flags: 's' })).toBe(true);
    expect(on({ feature: 'header.x-team', op: 'matches', value: '^sea' })).toBe(true);
    // Numbers are matched as their decimal text.
    expect(on({ feature: 'input_tokens', op: 'matches', value: '^12\\d\\d$' })).toBe(true);
    expect(on({ feature: 'metadata.missing', op: 'matches', value: '.*' })).toBe(false);
  });

  it('matches gives the same answer on every call (no lastIndex carried between requests)', () => {
    const p = compileCondition({ feature: 'system_prompt', op: 'matches', value: 'SQL', flags: 'i' });
    expect([p(request), p(request), p(request)]).toEqual([true, true, true]);
  });

  it('exists is true for any present, non-empty value, false included', () => {
    expect(on({ feature: 'metadata.tier', op: 'exists' })).toBe(true);
    expect(on({ feature: 'metadata.empty', op: 'exists' })).toBe(false);
    expect(on({ feature: 'metadata.missing', op: 'exists' })).toBe(false);
    expect(on({ feature: 'header.x-team', op: 'exists' })).toBe(true);
    expect(on({ feature: 'header.x-other', op: 'exists' })).toBe(false);
    expect(on({ feature: 'has_images', op: 'exists' })).toBe(true);
    expect(on({ feature: 'max_tokens', op: 'exists' })).toBe(true);
    expect(holds({ feature: 'max_tokens', op: 'exists' })).toBe(false);
    expect(holds({ feature: 'system_prompt', op: 'exists' })).toBe(false);
    expect(holds({ feature: 'tenant', op: 'exists' })).toBe(false);
    expect(holds({ feature: 'metadata.tier', op: 'exists' })).toBe(false);
  });
});

describe('compileCondition: and / or / not', () => {
  const gold: Condition = { feature: 'metadata.tier', op: 'eq', value: 'gold' };
  const tools: Condition = { feature: 'has_tools', op: 'eq', value: true };
  const long: Condition = { feature: 'input_tokens', op: 'gt', value: 8_000 };

  it('combine as boolean algebra', () => {
    expect(on({ and: [gold, tools] })).toBe(true);
    expect(on({ and: [gold, tools, long] })).toBe(false);
    expect(on({ or: [long, gold] })).toBe(true);
    expect(on({ or: [long, { not: tools }] })).toBe(false);
    expect(on({ not: long })).toBe(true);
    expect(on({ not: { not: gold } })).toBe(true);
  });

  it('nest to any depth', () => {
    // (gold and not long) or (tools and long)
    const c: Condition = { or: [{ and: [gold, { not: long }] }, { and: [tools, long] }] };
    const truth = (tier: string, hasTools: boolean, inputTokens: number): boolean => holds(c, { metadata: { tier }, hasTools, inputTokens });
    expect(truth('gold', false, 100)).toBe(true);
    expect(truth('gold', false, 9_000)).toBe(false);
    expect(truth('silver', true, 9_000)).toBe(true);
    expect(truth('silver', true, 100)).toBe(false);
    expect(truth('gold', true, 9_000)).toBe(true);
    expect(truth('silver', false, 9_000)).toBe(false);
  });
});

describe('the condition contract', () => {
  const issues = (when: unknown): { path: string; message: string }[] => {
    const r = validatePolicy({ workloadRules: [{ when, workload: 'x' }], defaultRoute: 'mid' }, catalog());
    return r.ok ? [] : r.issues;
  };

  it('accepts every well-formed operator', () => {
    const ok: Condition[] = [
      { feature: 'input_tokens', op: 'lt', value: 5 },
      { feature: 'non_latin_share', op: 'gte', value: 0.5 },
      { feature: 'has_code', op: 'eq', value: true },
      { feature: 'tenant', op: 'in', value: ['a', 1, true] },
      { feature: 'system_prompt', op: 'matches', value: '^you', flags: 'imsu' },
      { feature: 'metadata.tier', op: 'exists' },
      { and: [{ or: [{ not: { feature: 'header.x-a', op: 'ne', value: 'b' } }] }] },
    ];
    for (const c of ok) expect(conditionSchema.safeParse(c).success).toBe(true);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a number operator without a number', { feature: 'input_tokens', op: 'gt', value: '5' }, 'workloadRules.0.when.value', /^op "gt" needs a number$/],
    ['lte without any value', { feature: 'input_tokens', op: 'lte' }, 'workloadRules.0.when.value', /^op "lte" needs a number$/],
    ['a share bound given as a string', { feature: 'non_latin_share', op: 'gt', value: '0.3' }, 'workloadRules.0.when.value', /^op "gt" needs a number$/],
    ['a misspelt code feature', { feature: 'is_code', op: 'eq', value: true }, 'workloadRules.0.when.feature', /^unknown feature; /],
    ['in without a list', { feature: 'tenant', op: 'in', value: 'acme' }, 'workloadRules.0.when.value', /^op "in" needs a list$/],
    ['eq with a list', { feature: 'tenant', op: 'eq', value: ['acme'] }, 'workloadRules.0.when.value', /^op "eq" needs a string, number or boolean$/],
    ['a bad regular expression', { feature: 'system_prompt', op: 'matches', value: '(unclosed' }, 'workloadRules.0.when.value', /^invalid regular expression: /],
    ['matches without a string', { feature: 'system_prompt', op: 'matches', value: 3 }, 'workloadRules.0.when.value', /^op "matches" needs a regular expression string$/],
    ['a regex flag it does not allow', { feature: 'system_prompt', op: 'matches', value: 'x', flags: 'g' }, 'workloadRules.0.when.flags', /.+/],
    ['exists with a value', { feature: 'tenant', op: 'exists', value: 'x' }, 'workloadRules.0.when.value', /^op "exists" takes no value$/],
    ['an unknown feature', { feature: 'tokens', op: 'gt', value: 1 }, 'workloadRules.0.when.feature', /^unknown feature; /],
    ['a header name in upper case', { feature: 'header.X-Team', op: 'exists' }, 'workloadRules.0.when.feature', /^unknown feature; /],
    ['an empty metadata key', { feature: 'metadata.', op: 'exists' }, 'workloadRules.0.when.feature', /^unknown feature; /],
    ['a bad comparison nested in and/or/not', { and: [{ or: [{ not: { feature: 'user', op: 'in', value: 'u' } }] }] }, 'workloadRules.0.when.and.0.or.0.not.value', /^op "in" needs a list$/],
  ])('rejects %s', (_label, when, path, message) => {
    const found = issues(when);
    expect(found).toHaveLength(1);
    expect(found[0].path).toBe(path);
    expect(found[0].message).toMatch(message);
  });

  it('rejects an unknown operator, an empty "and", and extra keys', () => {
    expect(conditionSchema.safeParse({ feature: 'tenant', op: 'like', value: 'a' }).success).toBe(false);
    expect(conditionSchema.safeParse({ and: [] }).success).toBe(false);
    expect(conditionSchema.safeParse({ feature: 'tenant', op: 'eq', value: 'a', extra: 1 }).success).toBe(false);
    expect(conditionSchema.safeParse({ and: [{ feature: 'tenant', op: 'exists' }], or: [] }).success).toBe(false);
  });
});
