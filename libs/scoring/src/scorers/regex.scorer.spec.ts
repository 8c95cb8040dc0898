import { describe, expect, it } from 'vitest';
import { ScorerInputError, ScorerOptionsError } from '../scorer.js';
import { RegexScorer } from './regex.scorer.js';

describe('RegexScorer', () => {
  it('matches the pattern from its options, with flags', () => {
    const scorer = new RegexScorer({ pattern: '^\\s*def \\w+\\(', flags: 'm' });
    expect(scorer.score({ output: 'Here:\ndef add(a, b):\n  return a + b' })).toEqual({
      score: 1,
      label: 'match',
      reason: 'output matches /^\\s*def \\w+\\(/m',
      scorer: 'regex',
      scorerVersion: '1',
    });
    expect(scorer.score({ output: 'lambda a, b: a + b' })).toMatchObject({ score: 0, label: 'no_match' });
    expect(new RegexScorer({ pattern: 'paris', flags: 'i' }).score({ output: 'PARIS' }).score).toBe(1);
  });

  it('uses expected as the pattern when the options have none', () => {
    const scorer = new RegexScorer();
    expect(scorer.score({ output: 'order #12345 shipped', expected: '#\\d{5}\\b' }).score).toBe(1);
    expect(() => scorer.score({ output: 'x' })).toThrow(ScorerInputError);
    expect(() => scorer.score({ output: 'x', expected: '(' })).toThrow(/expected is not a valid pattern/);
  });

  it('can pass on no match (a refusal check)', () => {
    const scorer = new RegexScorer({ pattern: "\\bI (?:can't|cannot)\\b", negate: true });
    expect(scorer.score({ output: 'Sure, here it is.' })).toMatchObject({ score: 1, label: 'no_match' });
    expect(scorer.score({ output: "I can't help with that." })).toMatchObject({ score: 0, label: 'match' });
  });

  it('gives the same answer on every call (no g or y state)', () => {
    const scorer = new RegexScorer({ pattern: 'a' });
    expect([1, 2, 3].map(() => scorer.score({ output: 'a' }).score)).toEqual([1, 1, 1]);
    expect(() => new RegexScorer({ pattern: 'a', flags: 'g' })).toThrow(/g and y are not allowed/);
  });

  it('rejects a pattern that does not compile, with the reason', () => {
    expect(() => new RegexScorer({ pattern: '([a-z]' })).toThrow(ScorerOptionsError);
    expect(() => new RegexScorer({ pattern: '([a-z]' })).toThrow(/regex: invalid options: pattern: Invalid regular expression/);
    expect(() => new RegexScorer({ flags: 'ii' })).toThrow(/flags/);
  });
});
