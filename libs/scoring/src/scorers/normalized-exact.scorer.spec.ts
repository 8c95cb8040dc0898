import { describe, expect, it } from 'vitest';
import { NormalizedExactScorer, normalizeText } from './normalized-exact.scorer.js';

describe('normalizeText', () => {
  const defaults = { ignoreCase: true, ignorePunctuation: true, ignoreArticles: false };

  it('folds case, punctuation, whitespace and Unicode compatibility forms', () => {
    expect(normalizeText('  The  Eiffel\tTower!! ', defaults)).toBe('the eiffel tower');
    expect(normalizeText('Ｆｕｌｌ－ｗｉｄｔｈ', defaults)).toBe('full width');
    expect(normalizeText('ﬁne\u00a0print', defaults)).toBe('fine print');
    expect(normalizeText('yes,no', defaults)).toBe('yes no');
    expect(normalizeText('“Quoted” — text…', defaults)).toBe('quoted text');
  });

  it('keeps what its options say to keep', () => {
    expect(normalizeText('Hello, World', { ...defaults, ignoreCase: false })).toBe('Hello World');
    expect(normalizeText('Hello, World', { ...defaults, ignorePunctuation: false })).toBe('hello, world');
    expect(normalizeText('The cat and an apple', { ...defaults, ignoreArticles: true })).toBe('cat and apple');
  });
});

describe('NormalizedExactScorer', () => {
  const scorer = new NormalizedExactScorer();

  it('passes when the normalised texts are equal', () => {
    expect(scorer.score({ output: 'The Eiffel Tower.\n', expected: 'the eiffel tower' })).toMatchObject({ score: 1, scorer: 'normalized_exact' });
    expect(scorer.score({ output: 'Eiffel Tower', expected: 'the eiffel tower' }).score).toBe(0);
    expect(scorer.score({ output: 'Eiffel Tower', expected: 'the eiffel tower', options: { ignoreArticles: true } }).score).toBe(1);
    expect(scorer.score({ output: 'Rome', expected: ['paris', 'rome'] })).toMatchObject({ score: 1, reason: 'normalized output equals expected[1]' });
  });

  it('rejects bad options', () => {
    expect(() => new NormalizedExactScorer({ ignoreCase: 1 })).toThrow(/ignoreCase/);
  });
});
