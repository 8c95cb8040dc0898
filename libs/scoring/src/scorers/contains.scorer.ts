import { z } from 'zod';
import { binaryResult, expectedStrings, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';

const optionsSchema = z.strictObject({
  ignoreCase: z.boolean().default(false),
  /** With several expected substrings: must the output contain all of them, or is one enough? */
  match: z.enum(['all', 'any']).default('all'),
});

/** 1 when the output contains the expected substring(s), else 0. */
export class ContainsScorer implements Scorer {
  readonly name = 'contains';
  readonly version = '1';
  private readonly options: ScorerOptions<z.infer<typeof optionsSchema>>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const { ignoreCase, match } = this.options.resolve(input.options);
    const fold = (s: string): string => (ignoreCase ? s.normalize('NFKC').toLocaleLowerCase() : s);
    const output = fold(input.output);
    const wanted = expectedStrings(this.name, input.expected);
    const found = wanted.filter((w) => output.includes(fold(w))).length;
    const pass = match === 'all' ? found === wanted.length : found > 0;
    return binaryResult(this, pass, `output contains ${found} of ${wanted.length} expected substring(s) (needs ${match})`);
  }
}

export const containsScorerFactory: ScorerFactory<'contains'> = { name: 'contains', create: (options) => new ContainsScorer(options) };
