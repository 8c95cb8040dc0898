import { describe, expect, it } from 'vitest';
import { ScorerInputError, ScorerOptionsError } from '../scorer.js';
import { ExactScorer } from './exact.scorer.js';

describe('ExactScorer', () => {
  const scorer = new ExactScorer();

  it('passes on equal text, ignoring surrounding whitespace by default', () => {
    expect(scorer.score({ output: 'Paris\n', expected: 'Paris' })).toEqual({ score: 1, reason: 'output equals expected', scorer: 'exact', scorerVersion: '1' });
    expect(scorer.score({ output: 'paris', expected: 'Paris' })).toMatchObject({ score: 0, reason: 'output (5 chars) equals no expected value' });
  });

  it('compares byte for byte with trim: false', () => {
    const strict = new ExactScorer({ trim: false });
    expect(strict.score({ output: 'Paris\n', expected: 'Paris' }).score).toBe(0);
    expect(scorer.score({ output: 'Paris\n', expected: 'Paris', options: { trim: false } }).score).toBe(0);
  });

  it('accepts any of several expected values, and numbers', () => {
    expect(scorer.score({ output: 'NYC', expected: ['New York', 'NYC'] })).toMatchObject({ score: 1, reason: 'output equals expected[1]' });
    expect(scorer.score({ output: '42', expected: 42 }).score).toBe(1);
  });

  it('rejects a missing or structured expected value and unknown options', () => {
    expect(() => scorer.score({ output: 'x' })).toThrow(ScorerInputError);
    expect(() => scorer.score({ output: 'x', expected: { a: 1 } })).toThrow(/got object/);
    expect(() => scorer.score({ output: 'x', expected: [] })).toThrow(/empty array/);
    expect(() => new ExactScorer({ trim: 'yes' })).toThrow(ScorerOptionsError);
    expect(() => new ExactScorer({ trimm: true })).toThrow(/exact: invalid options/);
  });
});
