import { z } from 'zod';
import { binaryResult, expectedStrings, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';

const optionsSchema = z.strictObject({
  ignoreCase: z.boolean().default(true),
  ignorePunctuation: z.boolean().default(true),
  /** Drops the English articles a, an and the, as SQuAD's answer normalisation does. */
  ignoreArticles: z.boolean().default(false),
});
type Options = z.infer<typeof optionsSchema>;

/**
 * Unicode NFKC (full-width letters, ligatures and non-breaking spaces become their plain forms),
 * then optionally lower case, punctuation removed and articles dropped, then runs of whitespace
 * collapsed to one space and the ends trimmed.
 */
export function normalizeText(text: string, options: Options): string {
  let s = text.normalize('NFKC');
  if (options.ignoreCase) s = s.toLowerCase();
  // Punctuation becomes a space, not nothing, so "yes,no" does not turn into one word "yesno".
  if (options.ignorePunctuation) s = s.replace(/[\p{P}\p{S}]+/gu, ' ');
  if (options.ignoreArticles) s = s.replace(/\b(?:a|an|the)\b/giu, ' ');
  return s.replace(/\s+/gu, ' ').trim();
}

/** Exact match after normalising case, whitespace, punctuation and Unicode forms on both sides. */
export class NormalizedExactScorer implements Scorer {
  readonly name = 'normalized_exact';
  readonly version = '1';
  private readonly options: ScorerOptions<Options>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const options = this.options.resolve(input.options);
    const accepted = expectedStrings(this.name, input.expected).map((e) => normalizeText(e, options));
    const output = normalizeText(input.output, options);
    const index = accepted.indexOf(output);
    if (index >= 0) return binaryResult(this, true, accepted.length > 1 ? `normalized output equals expected[${index}]` : 'normalized output equals expected');
    return binaryResult(this, false, `normalized output (${output.length} chars) equals no expected value`);
  }
}

export const normalizedExactScorerFactory: ScorerFactory<'normalized_exact'> = {
  name: 'normalized_exact',
  create: (options) => new NormalizedExactScorer(options),
};
