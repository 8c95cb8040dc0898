import { z } from 'zod';
import { binaryResult, describeType, ScorerInputError, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';

/** Which rule found the choice, most explicit first. */
export type ChoiceCue = 'bare' | 'answer_marker' | 'leading' | 'option_word' | 'parenthesized' | 'own_line';

export interface ExtractedChoice {
  choice: string;
  cue: ChoiceCue;
}

// A choice is one letter or digit standing alone: not inside a word ("Bob"), not a contraction
// or compound ("I'm", "A-frame").
const NOT_AFTER = String.raw`(?<![\p{L}\p{N}])`;
const NOT_BEFORE = String.raw`(?![\p{L}\p{N}]|['’-]\p{L})`;
const OPEN = String.raw`[\s"'“‘(\[{<]*`;
const CLOSE = String.raw`[\s"'”’)\]}>.:,;!]*`;
const TOKEN = String.raw`([\p{L}\p{N}])`;

const BARE = new RegExp(String.raw`^${OPEN}${TOKEN}${CLOSE}$`, 'u');
const OWN_LINE = new RegExp(String.raw`^${OPEN}${TOKEN}${CLOSE}$`, 'gmu');
const LEADING = new RegExp(String.raw`^${OPEN}${TOKEN}${NOT_BEFORE}`, 'u');
const ANSWER_MARKER = new RegExp(
  String.raw`\banswer\b(?:\s+(?:is|would be|should be|will be|must be))?\s*[:=\-–—]?\s*(?:(?:option|choice|letter)\s*)?[("'“‘\[]?${NOT_AFTER}${TOKEN}${NOT_BEFORE}`,
  'giu',
);
const OPTION_WORD = new RegExp(String.raw`\b(?:option|choice|letter)\s*[("'“‘\[]?\s*${NOT_AFTER}${TOKEN}${NOT_BEFORE}`, 'giu');
const PARENTHESIZED = new RegExp(String.raw`\(${TOKEN}\)`, 'gu');
// "A is", "B would": a letter followed by a verb is a choice, even "A".
const VERB_AFTER = /^\s+(?:is|was|would|should|seems|appears|because)\b/u;

/**
 * Is this letter used as an English word rather than as a choice? A lower-case letter followed by
 * a word ("answer is a bit"), the pronoun "I" ("I do", "I think"), and at the start of an answer
 * the article "A" ("A chart shows ..."): claude-v2's recorded "I do" and "A hypothesis ..." are
 * not choices, and a harness that reads them as one invents an answer the model never gave.
 */
function usedAsWord(letter: string, rest: string, atStart: boolean): boolean {
  const wordFollows = /^\s+\p{L}/u.test(rest);
  if (!wordFollows || VERB_AFTER.test(rest)) return false;
  if (letter !== letter.toUpperCase()) return true;
  if (letter === 'I') return /^\s+\p{Ll}/u.test(rest);
  return atStart && letter === 'A' && /^\s+\p{Ll}/u.test(rest);
}

/**
 * Finds the option a free-text answer chose, the way benchmark harnesses (lm-eval-harness, HELM)
 * read multiple-choice answers, trying the most explicit cue first:
 *
 * 1. the whole answer is one choice, optionally wrapped or punctuated: `C`, `C\n`, `(C)`, `C)`, `C.`, `**C**`;
 * 2. the last "answer" statement: `Answer: C`, `The answer is (C)`, `the correct answer is option C`;
 * 3. the first line starts with a choice: `C) palms covered with oil`, `D (`, `B is correct`;
 * 4. the first `option C` / `choice C` / `letter C`;
 * 5. a parenthesised choice `(C)` anywhere, when only one distinct choice appears that way;
 * 6. the last line that holds nothing but a choice (an answer after its reasoning).
 *
 * Returns null when none of these finds a letter from `choices`, never a guess.
 */
export function extractChoice(output: string, choices: readonly string[]): ExtractedChoice | null {
  // NFKC folds full-width letters; markdown emphasis and code marks are noise around a choice.
  const text = output.normalize('NFKC').replace(/[*`_]+/gu, '');
  const pick = (letter: string | undefined): string | null => {
    const upper = letter?.toUpperCase();
    return upper !== undefined && choices.includes(upper) ? upper : null;
  };

  const bare = pick(BARE.exec(text)?.[1]);
  if (bare) return { choice: bare, cue: 'bare' };

  let marked: string | null = null;
  for (const m of text.matchAll(ANSWER_MARKER)) {
    const choice = pick(m[1]);
    if (choice && !usedAsWord(m[1] ?? '', text.slice(m.index + m[0].length), false)) marked = choice;
  }
  if (marked) return { choice: marked, cue: 'answer_marker' };

  const firstLine = text.trimStart().split('\n', 1)[0] ?? '';
  const leading = LEADING.exec(firstLine);
  const leadingChoice = pick(leading?.[1]);
  if (leading && leadingChoice && !usedAsWord(leading[1] ?? '', firstLine.slice(leading[0].length), true)) return { choice: leadingChoice, cue: 'leading' };

  for (const m of text.matchAll(OPTION_WORD)) {
    const choice = pick(m[1]);
    if (choice && !usedAsWord(m[1] ?? '', text.slice(m.index + m[0].length), false)) return { choice, cue: 'option_word' };
  }

  const parenthesized = new Set([...text.matchAll(PARENTHESIZED)].map((m) => pick(m[1])).filter((c) => c !== null));
  if (parenthesized.size === 1) return { choice: [...parenthesized][0] ?? '', cue: 'parenthesized' };

  const ownLines = [...text.matchAll(OWN_LINE)].map((m) => pick(m[1])).filter((c) => c !== null);
  const last = ownLines.at(-1);
  if (last) return { choice: last, cue: 'own_line' };
  return null;
}

const choiceChar = z.string().regex(/^[A-Za-z0-9]$/, 'a choice is one letter or digit');
const optionsSchema = z.strictObject({
  /** The valid choices: a string of characters ("ABCD") or an array (["A", "B"]). Case-insensitive. */
  choices: z
    .union([z.string().regex(/^[A-Za-z0-9]{2,}$/, 'choices: two or more letters or digits, e.g. "ABCD"'), z.array(choiceChar).min(2)])
    .default('ABCDE')
    .transform((c) => [...c].map((x) => x.toUpperCase()))
    .refine((c) => new Set(c).size === c.length, 'choices must not repeat'),
});

/**
 * Scores a multiple-choice answer: 1 when the choice extracted from the output is the expected
 * letter. The label is the extracted choice, or 'none' when the output names none.
 */
export class MultipleChoiceScorer implements Scorer {
  readonly name = 'multiple_choice';
  readonly version = '1';
  private readonly options: ScorerOptions<z.infer<typeof optionsSchema>>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const { choices } = this.options.resolve(input.options);
    const expected = this.expectedChoice(input.expected, choices);
    const extracted = extractChoice(input.output, choices);
    if (!extracted) return binaryResult(this, false, `no choice among ${choices.join('')} found; expected ${expected}`, 'none');
    const { choice, cue } = extracted;
    return binaryResult(this, choice === expected, `extracted ${choice} (${cue.replaceAll('_', ' ')}); expected ${expected}`, choice);
  }

  private expectedChoice(expected: unknown, choices: readonly string[]): string {
    if (typeof expected !== 'string') throw new ScorerInputError(this.name, `expected must be a choice letter, got ${describeType(expected)}`);
    const letter = BARE.exec(expected.normalize('NFKC'))?.[1]?.toUpperCase();
    if (letter === undefined || !choices.includes(letter)) {
      throw new ScorerInputError(this.name, `expected ${JSON.stringify(expected.slice(0, 20))} is not one of the choices ${choices.join(', ')}`);
    }
    return letter;
  }
}

export const multipleChoiceScorerFactory: ScorerFactory<'multiple_choice'> = {
  name: 'multiple_choice',
  create: (options) => new MultipleChoiceScorer(options),
};
