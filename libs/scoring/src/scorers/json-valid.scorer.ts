import { z } from 'zod';
import { binaryResult, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';
import { parseJsonOutput } from './json-output.js';

const optionsSchema = z.strictObject({
  /** Parse the first ``` fenced block when the output has one. */
  allowCodeFence: z.boolean().default(true),
  /** Require the top-level value to be of this JSON type. */
  type: z.enum(['any', 'object', 'array']).default('any'),
});

const jsonType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** 1 when the output parses as JSON (of the required top-level type), else 0. Needs no expected value. */
export class JsonValidScorer implements Scorer {
  readonly name = 'json_valid';
  readonly version = '1';
  private readonly options: ScorerOptions<z.infer<typeof optionsSchema>>;

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
  }

  score(input: ScoreInput): ScoreResult {
    const { allowCodeFence, type } = this.options.resolve(input.options);
    const parsed = parseJsonOutput(input.output, allowCodeFence);
    const where = parsed.fenced ? 'fenced block' : 'output';
    if (!parsed.ok) return binaryResult(this, false, `${where} is not valid JSON: ${parsed.error}`, 'invalid');
    const actual = jsonType(parsed.value);
    if (type !== 'any' && actual !== type) return binaryResult(this, false, `${where} is JSON but a top-level ${actual}, not ${type}`, 'wrong_type');
    return binaryResult(this, true, `${where} is valid JSON (${actual})`, 'valid');
  }
}

export const jsonValidScorerFactory: ScorerFactory<'json_valid'> = { name: 'json_valid', create: (options) => new JsonValidScorer(options) };
