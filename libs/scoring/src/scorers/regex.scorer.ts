import { z } from 'zod';
import { binaryResult, describeType, ScorerInputError, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';

const compileError = (pattern: string, flags: string): string | undefined => {
  try {
    new RegExp(pattern, flags);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

/** Reasons quote the pattern up to this many characters. */
const PATTERN_IN_REASON = 80;

const optionsSchema = z
  .strictObject({
    /** The pattern; when absent, `expected` is the pattern. */
    pattern: z.string().min(1).optional(),
    // g and y make RegExp#test stateful across calls; a scorer has no use for them.
    flags: z.string().regex(/^(?!.*(.).*\1)[dimsuv]*$/, 'flags: any of d, i, m, s, u, v, each at most once (g and y are not allowed)').default(''),
    /** Pass when the pattern does *not* match (e.g. a refusal pattern). */
    negate: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    const error = o.pattern === undefined ? compileError('', o.flags) : compileError(o.pattern, o.flags);
    if (error) ctx.addIssue({ code: 'custom', path: ['pattern'], message: error });
  });

/** 1 when the output matches a regular expression (from the options, or `expected` as the pattern), else 0. */
export class RegexScorer implements Scorer {
  readonly name = 'regex';
  readonly version = '1';
  private readonly options: ScorerOptions<z.infer<typeof optionsSchema>>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const { pattern, flags, negate } = this.options.resolve(input.options);
    const source = pattern ?? this.patternFromExpected(input.expected);
    let regex: RegExp;
    try {
      regex = new RegExp(source, flags);
    } catch (error) {
      throw new ScorerInputError(this.name, `expected is not a valid pattern: ${error instanceof Error ? error.message : String(error)}`);
    }
    const matched = regex.test(input.output);
    const label = matched ? 'match' : 'no_match';
    const shown = source.length > PATTERN_IN_REASON ? `${source.slice(0, PATTERN_IN_REASON)}…` : source;
    return binaryResult(this, matched !== negate, `output ${matched ? 'matches' : 'does not match'} /${shown}/${flags}${negate ? ' (negated)' : ''}`, label);
  }

  private patternFromExpected(expected: unknown): string {
    if (typeof expected === 'string' && expected !== '') return expected;
    throw new ScorerInputError(this.name, `needs options.pattern or a non-empty string expected (the pattern), got ${describeType(expected)}`);
  }
}

export const regexScorerFactory: ScorerFactory<'regex'> = { name: 'regex', create: (options) => new RegexScorer(options) };
