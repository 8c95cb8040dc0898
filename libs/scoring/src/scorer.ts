import { z } from 'zod';

/** What a scorer is given: the model's output, and, depending on the scorer, the reference answer and the prompt. */
export interface ScoreInput {
  output: string;
  expected?: unknown;
  /** The prompt, as chat messages or a string. Deterministic scorers ignore it; a judge reads it. */
  input?: unknown;
  /** Per-item options, merged over the options the scorer was created with and validated the same way. */
  options?: Record<string, unknown>;
}

export interface ScoreResult {
  /** In [0, 1]. */
  score: number;
  /** A categorical outcome where the scorer has one, such as the extracted choice letter. */
  label?: string;
  /** Short and free of the output's text, so it is safe to store and log. */
  reason: string;
  scorer: string;
  /** Bumped whenever the scorer's behaviour changes, so scores from different versions are never mixed unknowingly. */
  scorerVersion: string;
}

export interface Scorer {
  readonly name: string;
  readonly version: string;
  score(input: ScoreInput): ScoreResult | Promise<ScoreResult>;
}

/** Builds a scorer from the `options` of a scorer spec. A new scorer is a factory plus one line in the registry. */
export interface ScorerFactory<Name extends string = string> {
  readonly name: Name;
  create(options?: Record<string, unknown>): Scorer;
}

/** The scorer's options (from its spec or from one item) do not fit its schema. */
export class ScorerOptionsError extends Error {
  constructor(
    readonly scorer: string,
    message: string,
  ) {
    super(`${scorer}: invalid options: ${message}`);
    this.name = 'ScorerOptionsError';
  }
}

/** The item cannot be scored: typically `expected` is missing or of the wrong kind. */
export class ScorerInputError extends Error {
  constructor(
    readonly scorer: string,
    message: string,
  ) {
    super(`${scorer}: ${message}`);
    this.name = 'ScorerInputError';
  }
}

const describeIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

/**
 * Validates a scorer's options once, when the scorer is created, and again for each item that
 * brings its own options (merged over the created ones), so a bad value fails with the key's name.
 */
export class ScorerOptions<Out> {
  private readonly defaults: Out;

  constructor(
    private readonly scorer: string,
    private readonly schema: z.ZodType<Out>,
    private readonly raw: Record<string, unknown> = {},
  ) {
    this.defaults = this.parse(raw);
  }

  resolve(itemOptions: Record<string, unknown> | undefined): Out {
    return itemOptions === undefined ? this.defaults : this.parse({ ...this.raw, ...itemOptions });
  }

  private parse(value: Record<string, unknown>): Out {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw new ScorerOptionsError(this.scorer, describeIssues(parsed.error));
    return parsed.data;
  }
}

/** `expected` as a list of acceptable strings: a string, a number or boolean, or an array of those. */
export function expectedStrings(scorer: string, expected: unknown): string[] {
  const one = (value: unknown): string => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new ScorerInputError(scorer, `expected must be a string, number or boolean (or an array of them), got ${describeType(value)}`);
  };
  if (expected === undefined || expected === null) throw new ScorerInputError(scorer, 'needs an expected value');
  if (Array.isArray(expected)) {
    if (expected.length === 0) throw new ScorerInputError(scorer, 'expected is an empty array');
    return expected.map(one);
  }
  return [one(expected)];
}

export const describeType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/** A pass/fail result. */
export const binaryResult = (scorer: Scorer, pass: boolean, reason: string, label?: string): ScoreResult => ({
  score: pass ? 1 : 0,
  ...(label === undefined ? {} : { label }),
  reason,
  scorer: scorer.name,
  scorerVersion: scorer.version,
});
