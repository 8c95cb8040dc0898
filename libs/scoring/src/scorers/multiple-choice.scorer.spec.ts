import { describe, expect, it } from 'vitest';
import { ScorerInputError, ScorerOptionsError } from '../scorer.js';
import { extractChoice, MultipleChoiceScorer } from './multiple-choice.scorer.js';

const ABCDE = ['A', 'B', 'C', 'D', 'E'];
const letter = (output: string, choices: readonly string[] = ABCDE): string | null => extractChoice(output, choices)?.choice ?? null;

describe('extractChoice', () => {
  it.each([
    ['C', 'C'],
    ['C\n', 'C'],
    [' c ', 'C'],
    ['(C)', 'C'],
    ['C)', 'C'],
    ['C.', 'C'],
    ['**C**', 'C'],
    ['[C]', 'C'],
    ['"C"', 'C'],
    ['Ｃ', 'C'],
  ])('a bare choice: %j -> %s', (output, expected) => {
    expect(extractChoice(output, ABCDE)).toEqual({ choice: expected, cue: 'bare' });
  });

  it.each([
    ['Answer: C', 'C'],
    ['answer: c', 'C'],
    ['The answer is C', 'C'],
    ['The answer is (C).', 'C'],
    ['The correct answer is: D) palms covered with lotion', 'D'],
    ['The correct answer is option B because iron is magnetic.', 'B'],
    ['Let me think. A is wrong since ... so the answer is B.', 'B'],
    ['The answer is A because the door contains iron.', 'A'],
    ['Answer:\nD', 'D'],
    ['The best answer would be E', 'E'],
    ['The answer is not obvious at first. The answer is B.', 'B'],
  ])('an answer statement: %j -> %s', (output, expected) => {
    expect(extractChoice(output, ABCDE)).toEqual({ choice: expected, cue: 'answer_marker' });
  });

  it.each([
    ['C) palms covered with oil', 'C'],
    ['D (', 'D'],
    ['A) home', 'A'],
    ['(B) The refrigerator door contains iron.', 'B'],
    ['B. Converging of crustal plates', 'B'],
    ['B is correct: iron is magnetic.', 'B'],
    ['A is the better fit.', 'A'],
    ['D\nBecause the asteroid blocked sunlight.', 'D'],
  ])('a choice opening the first line: %j -> %s', (output, expected) => {
    expect(extractChoice(output, ABCDE)).toEqual({ choice: expected, cue: 'leading' });
  });

  it.each([
    ['I would go with option C here.', 'C', 'option_word'],
    ['I pick choice (B).', 'B', 'option_word'],
    ['I think (D) fits best.', 'D', 'parenthesized'],
    ['Let me reason step by step.\nIron is magnetic.\n\nB', 'B', 'own_line'],
  ])('a choice later in the text: %j -> %s', (output, expected, cue) => {
    expect(extractChoice(output, ABCDE)).toEqual({ choice: expected, cue });
  });

  it.each([
    // claude-v2's recorded RouterBench answers, cut off by a tiny output limit: no choice was made.
    'I do',
    'Unfortunately I',
    'Unfortunately,',
    "I'm",
    'There is',
    'Based on',
    'Okay,',
    // The article "A" starting prose is not choice A.
    'A chart',
    'A hypothesis',
    'A questioning attitude',
    // Letters inside words, names and numbers.
    'Sediment',
    'Rachel',
    'Eric',
    '13',
    'Based on the passage, both could be right.',
    'The answer is a bit unclear.',
    // Outside the configured set.
    'G\n',
    'K\n',
    // Two different parenthesised choices and no other cue: ambiguous.
    'Both (A) and (C) look plausible.',
    '',
  ])('no choice: %j', (output) => {
    expect(extractChoice(output, ABCDE)).toBeNull();
  });

  it('honours a configured choice set', () => {
    expect(letter('E', ['A', 'B'])).toBeNull();
    expect(letter('B\n', ['A', 'B'])).toBe('B');
    expect(letter('Answer: 3', ['1', '2', '3', '4'])).toBe('3');
    expect(letter('I', ['F', 'G', 'H', 'I', 'J'])).toBe('I');
    expect(letter('I think', ['F', 'G', 'H', 'I', 'J'])).toBeNull();
  });

  it('prefers an explicit answer statement over a leading letter', () => {
    expect(letter('B) seemed right at first, but the answer is C.')).toBe('C');
  });
});

describe('MultipleChoiceScorer', () => {
  const scorer = new MultipleChoiceScorer();

  it('scores 1 for the expected choice and labels the extracted letter', () => {
    expect(scorer.score({ output: 'C\n', expected: 'C' })).toEqual({ score: 1, label: 'C', reason: 'extracted C (bare); expected C', scorer: 'multiple_choice', scorerVersion: '1' });
    expect(scorer.score({ output: 'The answer is (b)', expected: 'B' })).toMatchObject({ score: 1, label: 'B' });
    expect(scorer.score({ output: 'A', expected: 'c' })).toMatchObject({ score: 0, label: 'A', reason: 'extracted A (bare); expected C' });
  });

  it("labels 'none' and scores 0 when no choice is named", () => {
    expect(scorer.score({ output: 'I do', expected: 'A' })).toMatchObject({ score: 0, label: 'none', reason: 'no choice among ABCDE found; expected A' });
  });

  it('takes the choice set from its options or from the item', () => {
    const ab = new MultipleChoiceScorer({ choices: 'AB' });
    expect(ab.score({ output: 'C', expected: 'A' })).toMatchObject({ label: 'none' });
    expect(ab.score({ output: 'C', expected: 'C', options: { choices: ['A', 'B', 'C'] } })).toMatchObject({ score: 1, label: 'C' });
  });

  it('rejects bad options and an expected value outside the choices', () => {
    expect(() => new MultipleChoiceScorer({ choices: 'A' })).toThrow(ScorerOptionsError);
    expect(() => new MultipleChoiceScorer({ choices: ['A', 'AB'] })).toThrow(/one letter or digit/);
    expect(() => new MultipleChoiceScorer({ choices: 'ABA' })).toThrow(/must not repeat/);
    expect(() => new MultipleChoiceScorer({ choise: 'AB' })).toThrow(/multiple_choice: invalid options/);
    expect(() => scorer.score({ output: 'A', expected: 'F' })).toThrow(ScorerInputError);
    expect(() => scorer.score({ output: 'A' })).toThrow(/expected must be a choice letter, got undefined/);
    expect(() => scorer.score({ output: 'A', expected: 2 })).toThrow(/got number/);
  });
});
