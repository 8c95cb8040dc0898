import { z } from 'zod';
import { binaryResult, expectedStrings, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';

const optionsSchema = z.strictObject({
  /** Compare after trimming leading and trailing whitespace (a model's trailing newline is not an error). */
  trim: z.boolean().default(true),
});

/** 1 when the output equals the expected string (or one of several), else 0. */
export class ExactScorer implements Scorer {
  readonly name = 'exact';
  readonly version = '1';
  private readonly options: ScorerOptions<z.infer<typeof optionsSchema>>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const { trim } = this.options.resolve(input.options);
    const norm = (s: string): string => (trim ? s.trim() : s);
    const accepted = expectedStrings(this.name, input.expected).map(norm);
    const output = norm(input.output);
    const index = accepted.indexOf(output);
    if (index >= 0) return binaryResult(this, true, accepted.length > 1 ? `output equals expected[${index}]` : 'output equals expected');
    return binaryResult(this, false, `output (${output.length} chars) equals no expected value`);
  }
}

export const exactScorerFactory: ScorerFactory<'exact'> = { name: 'exact', create: (options) => new ExactScorer(options) };
