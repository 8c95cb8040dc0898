import { describe, expect, it } from 'vitest';
import { ContainsScorer } from './contains.scorer.js';

describe('ContainsScorer', () => {
  const output = 'The capital of France is Paris, on the Seine.';

  it('needs every expected substring by default, case-sensitively', () => {
    const scorer = new ContainsScorer();
    expect(scorer.score({ output, expected: 'Paris' })).toEqual({
      score: 1,
      reason: 'output contains 1 of 1 expected substring(s) (needs all)',
      scorer: 'contains',
      scorerVersion: '1',
    });
    expect(scorer.score({ output, expected: 'paris' }).score).toBe(0);
    expect(scorer.score({ output, expected: ['Paris', 'Seine'] }).score).toBe(1);
    expect(scorer.score({ output, expected: ['Paris', 'Loire'] })).toMatchObject({ score: 0, reason: 'output contains 1 of 2 expected substring(s) (needs all)' });
  });

  it('can ignore case and accept any one substring', () => {
    expect(new ContainsScorer({ ignoreCase: true }).score({ output, expected: 'PARIS' }).score).toBe(1);
    expect(new ContainsScorer({ ignoreCase: true }).score({ output: 'ＰＡＲＩＳ', expected: 'paris' }).score).toBe(1);
    expect(new ContainsScorer({ match: 'any' }).score({ output, expected: ['Lyon', 'Seine'] }).score).toBe(1);
    expect(new ContainsScorer().score({ output, expected: ['Lyon', 'Seine'], options: { match: 'any' } }).score).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => new ContainsScorer({ match: 'some' })).toThrow(/contains: invalid options: match/);
  });
});
