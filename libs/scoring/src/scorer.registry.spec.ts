import { describe, expect, it } from 'vitest';
import type { Scorer, ScorerFactory } from './scorer.js';
import { ScorerOptionsError } from './scorer.js';
import { builtInScorerFactories, builtInScorerNames, createScorer, ScorerRegistry, scorerRegistry, scorerSpecSchema, UnknownScorerError } from './scorer.registry.js';

describe('scorerRegistry', () => {
  it('creates every built-in scorer by its name', () => {
    expect(builtInScorerNames).toEqual(['exact', 'normalized_exact', 'contains', 'regex', 'multiple_choice', 'numeric', 'json_valid', 'json_schema']);
    for (const name of builtInScorerNames) {
      const scorer = createScorer({ name });
      expect(scorer.name).toBe(name);
      expect(scorer.version).toMatch(/^\d+$/);
    }
  });

  it('passes options through, validated', () => {
    expect(createScorer({ name: 'contains', options: { ignoreCase: true } }).score({ output: 'PARIS', expected: 'paris' })).toMatchObject({ score: 1 });
    expect(() => createScorer({ name: 'numeric', options: { absTolerance: 'tiny' } })).toThrow(ScorerOptionsError);
  });

  it('names the known scorers when asked for an unknown one', () => {
    expect(() => createScorer({ name: 'llm_judge' })).toThrow(UnknownScorerError);
    expect(() => createScorer({ name: 'llm_judge' })).toThrow(/unknown scorer "llm_judge" \(known: exact, normalized_exact, .*json_schema\)/);
  });

  it('takes extra factories, such as an app-owned judge, and refuses duplicates', () => {
    class FakeJudge implements Scorer {
      readonly name = 'llm_judge';
      readonly version = '1';
      score(): Promise<{ score: number; reason: string; scorer: string; scorerVersion: string }> {
        return Promise.resolve({ score: 0.5, reason: 'fake', scorer: this.name, scorerVersion: this.version });
      }
    }
    const judge: ScorerFactory<'llm_judge'> = { name: 'llm_judge', create: () => new FakeJudge() };
    const registry = new ScorerRegistry([...builtInScorerFactories, judge]);
    expect(registry.has('llm_judge')).toBe(true);
    expect(registry.create({ name: 'llm_judge' })).toBeInstanceOf(FakeJudge);
    expect(registry.create({ name: 'exact' }).name).toBe('exact');
    expect(scorerRegistry.has('llm_judge')).toBe(false);
    expect(() => new ScorerRegistry([...builtInScorerFactories, builtInScorerFactories[0]])).toThrow(/"exact" is registered twice/);
  });
});

describe('scorerSpecSchema', () => {
  it('accepts a built-in name with optional options', () => {
    expect(scorerSpecSchema.parse({ name: 'multiple_choice', options: { choices: 'AB' } })).toEqual({ name: 'multiple_choice', options: { choices: 'AB' } });
    expect(scorerSpecSchema.parse({ name: 'exact' })).toEqual({ name: 'exact' });
  });

  it('rejects unknown names and stray keys', () => {
    expect(scorerSpecSchema.safeParse({ name: 'llm_judge' }).success).toBe(false);
    expect(scorerSpecSchema.safeParse({ name: 'exact', option: {} }).success).toBe(false);
    expect(scorerSpecSchema.safeParse({ name: 'exact', options: 'trim' }).success).toBe(false);
  });

  it("a registry's specSchema also checks the options against the named scorer", () => {
    const schema = scorerRegistry.specSchema();
    expect(schema.safeParse({ name: 'regex', options: { pattern: 'a+' } }).success).toBe(true);
    const bad = schema.safeParse({ name: 'regex', options: { pattern: '(' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['options'], message: expect.stringMatching(/^regex: invalid options: pattern: Invalid regular expression/) as string });
  });
});
