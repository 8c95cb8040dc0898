import { describe, expect, it } from 'vitest';
import { ScorerInputError } from '../scorer.js';
import { NumericScorer, parseNumbers } from './numeric.scorer.js';

describe('parseNumbers', () => {
  const values = (text: string): number[] => parseNumbers(text).map((n) => n.value);

  it.each([
    ['1,234,567.89', [1234567.89]],
    ['-42 and +7', [-42, 7]],
    ['−3.5 (Unicode minus)', [-3.5]],
    ['1.5e-3 and 2E6', [0.0015, 2e6]],
    ['costs $1,200 or €35', [1200, 35]],
    ['.5 of it', [0.5]],
    ['pages 3-4', [3, 4]],
    ['gpt-4 v2 x86 COVID-19', []],
    ['no numbers here', []],
  ])('%j -> %j', (text, expected) => {
    expect(values(text)).toEqual(expected);
  });

  it('marks percentages', () => {
    expect(parseNumbers('grew 45% then 3 %')).toEqual([
      { text: '45%', value: 45, percent: true },
      { text: '3 %', value: 3, percent: true },
    ]);
  });
});

describe('NumericScorer', () => {
  const scorer = new NumericScorer();

  it('takes the last number, or the one after an answer marker', () => {
    expect(scorer.score({ output: 'She had 5 apples and bought 7, so 12.', expected: 12 })).toMatchObject({ score: 1, label: '12' });
    expect(scorer.score({ output: 'The answer is 12. (Check: 5 + 7 = 12; 3 boxes.)', expected: '12' })).toMatchObject({ score: 1, label: '12' });
    expect(scorer.score({ output: 'step 1: 5+7\n#### 1,200', expected: 1200 }).score).toBe(1);
    expect(scorer.score({ output: 'so \\boxed{-0.5}, from 2 steps', expected: -0.5 })).toMatchObject({ score: 1, label: '-0.5' });
  });

  it('honours pick: first and only', () => {
    expect(new NumericScorer({ pick: 'first' }).score({ output: '3 of 10', expected: 3 }).score).toBe(1);
    expect(new NumericScorer({ pick: 'only' }).score({ output: '3 of 10', expected: 3 })).toMatchObject({ score: 0, label: 'none', reason: 'output does not hold exactly one number' });
  });

  it('applies absolute and relative tolerance like math.isclose', () => {
    expect(scorer.score({ output: '0.30000000000000004', expected: 0.3 }).score).toBe(1);
    expect(scorer.score({ output: '3.14', expected: Math.PI }).score).toBe(0);
    expect(new NumericScorer({ absTolerance: 0.01 }).score({ output: '3.14', expected: Math.PI }).score).toBe(1);
    expect(new NumericScorer({ relTolerance: 0.01 }).score({ output: '1010', expected: 1000 }).score).toBe(1);
    expect(new NumericScorer({ relTolerance: 0.01 }).score({ output: '1011', expected: 1000 }).score).toBe(0);
  });

  it('reads a percentage as either the number or the fraction, unless told', () => {
    expect(scorer.score({ output: 'about 45%', expected: 45 }).score).toBe(1);
    expect(scorer.score({ output: 'about 45%', expected: 0.45 }).score).toBe(1);
    expect(scorer.score({ output: '0.45', expected: '45%' }).score).toBe(1);
    expect(new NumericScorer({ percent: 'fraction' }).score({ output: 'about 45%', expected: 45 }).score).toBe(0);
    expect(new NumericScorer({ percent: 'number' }).score({ output: 'about 45%', expected: 0.45 }).score).toBe(0);
  });

  it('scores no number as 0 with label none', () => {
    expect(scorer.score({ output: 'I cannot tell.', expected: 3 })).toMatchObject({ score: 0, label: 'none', reason: 'no number found in output' });
  });

  it('rejects an expected value that is not one number, and bad options', () => {
    expect(() => scorer.score({ output: '3', expected: 'three' })).toThrow(ScorerInputError);
    expect(() => scorer.score({ output: '3', expected: '3 or 4' })).toThrow(/one number/);
    expect(() => scorer.score({ output: '3', expected: Number.NaN })).toThrow(/finite number/);
    expect(() => new NumericScorer({ absTolerance: -1 })).toThrow(/absTolerance/);
    expect(() => new NumericScorer({ pick: 'middle' })).toThrow(/pick/);
  });
});
