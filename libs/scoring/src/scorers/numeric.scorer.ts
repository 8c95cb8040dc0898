import { z } from 'zod';
import { binaryResult, describeType, ScorerInputError, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';

/** A number as written, and the value(s) it may stand for: "45%" may mean 45 or 0.45. */
export interface ParsedNumber {
  text: string;
  value: number;
  percent: boolean;
}

// Optional sign (ASCII or Unicode minus), optional currency, then either thousands groups with
// commas or plain digits, an optional fraction, an optional exponent, and an optional percent sign.
// The look-behind keeps "3-4" from reading as 3 and -4, and "v2" from reading as 2.
const NUMBER = /(?<![\p{L}\p{N}.,]|\p{L}-)([-+−]?)[$€£¥]?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE]([-+]?\d+))?(?!\d)(\s?%)?/gu;
const ANSWER_MARKER = /(?:\banswer\b(?:\s+is)?\s*[:=]?|####|\\boxed\{)/giu;

/** Every number in a text, in order: `-1,234.5`, `1.2e-3`, `45%`, `$3`, `−7` (Unicode minus). */
export function parseNumbers(text: string): ParsedNumber[] {
  const out: ParsedNumber[] = [];
  for (const m of text.normalize('NFKC').matchAll(NUMBER)) {
    const sign = m[1] === '-' || m[1] === '−' ? -1 : 1;
    const digits = (m[2] ?? '').replaceAll(',', '');
    const exponent = m[3] === undefined ? '' : `e${m[3]}`;
    const value = sign * Number(`${digits}${exponent}`);
    if (Number.isFinite(value)) out.push({ text: m[0].trim(), value, percent: m[4] !== undefined });
  }
  return out;
}

const optionsSchema = z.strictObject({
  /** Passes when |output − expected| <= max(absTolerance, relTolerance × |expected|), as Python's math.isclose. */
  absTolerance: z.number().nonnegative().default(1e-9),
  relTolerance: z.number().nonnegative().max(1).default(1e-9),
  /** Which number of the output is its answer when no "answer" marker (`Answer:`, `####`, `\boxed{`) precedes one. */
  pick: z.enum(['last', 'first', 'only']).default('last'),
  /** "45%": 'either' accepts 45 or 0.45, 'fraction' reads it as 0.45, 'number' as 45. */
  percent: z.enum(['either', 'fraction', 'number']).default('either'),
});
type Options = z.infer<typeof optionsSchema>;

/** 1 when the number in the output is within tolerance of the expected number, else 0. */
export class NumericScorer implements Scorer {
  readonly name = 'numeric';
  readonly version = '1';
  private readonly options: ScorerOptions<Options>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const options = this.options.resolve(input.options);
    const expected = this.expectedValues(input.expected, options);
    const answer = this.answerNumber(input.output, options);
    if (answer === undefined) {
      const reason = options.pick === 'only' ? 'output does not hold exactly one number' : 'no number found in output';
      return binaryResult(this, false, reason, 'none');
    }
    const close = (a: number, b: number): boolean => Math.abs(a - b) <= Math.max(options.absTolerance, options.relTolerance * Math.abs(b));
    const pass = this.candidates(answer, options).some((a) => expected.some((e) => close(a, e)));
    return binaryResult(this, pass, `output number ${answer.text} ${pass ? 'is' : 'is not'} within tolerance of expected ${expected.join(' or ')}`, String(answer.value));
  }

  private answerNumber(output: string, options: Options): ParsedNumber | undefined {
    const markers = [...output.normalize('NFKC').matchAll(ANSWER_MARKER)];
    const lastMarker = markers.at(-1);
    if (lastMarker) {
      const after = parseNumbers(output.normalize('NFKC').slice(lastMarker.index + lastMarker[0].length))[0];
      if (after) return after;
    }
    const all = parseNumbers(output);
    if (options.pick === 'only') return all.length === 1 ? all[0] : undefined;
    return options.pick === 'first' ? all[0] : all.at(-1);
  }

  private candidates(n: ParsedNumber, options: Options): number[] {
    if (!n.percent || options.percent === 'number') return [n.value];
    return options.percent === 'fraction' ? [n.value / 100] : [n.value, n.value / 100];
  }

  private expectedValues(expected: unknown, options: Options): number[] {
    if (typeof expected === 'number' && Number.isFinite(expected)) return [expected];
    if (typeof expected === 'string') {
      const parsed = parseNumbers(expected);
      if (parsed.length === 1 && parsed[0]) return this.candidates(parsed[0], options);
    }
    throw new ScorerInputError(this.name, `expected must be a finite number or a string holding one number, got ${describeType(expected)}`);
  }
}

export const numericScorerFactory: ScorerFactory<'numeric'> = { name: 'numeric', create: (options) => new NumericScorer(options) };
