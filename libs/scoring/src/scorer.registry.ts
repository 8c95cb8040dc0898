import { z } from 'zod';
import type { Scorer, ScorerFactory } from './scorer.js';
import { containsScorerFactory } from './scorers/contains.scorer.js';
import { exactScorerFactory } from './scorers/exact.scorer.js';
import { jsonSchemaScorerFactory } from './scorers/json-schema.scorer.js';
import { jsonValidScorerFactory } from './scorers/json-valid.scorer.js';
import { multipleChoiceScorerFactory } from './scorers/multiple-choice.scorer.js';
import { normalizedExactScorerFactory } from './scorers/normalized-exact.scorer.js';
import { numericScorerFactory } from './scorers/numeric.scorer.js';
import { regexScorerFactory } from './scorers/regex.scorer.js';

/** One line per deterministic scorer. Scorers with dependencies (the LLM judge) are added by the app that owns them. */
export const builtInScorerFactories = [
  exactScorerFactory,
  normalizedExactScorerFactory,
  containsScorerFactory,
  regexScorerFactory,
  multipleChoiceScorerFactory,
  numericScorerFactory,
  jsonValidScorerFactory,
  jsonSchemaScorerFactory,
] as const;

export type BuiltInScorerName = (typeof builtInScorerFactories)[number]['name'];
// The cast restores the tuple type that z.enum needs; the array above is its only source.
export const builtInScorerNames = builtInScorerFactories.map((f) => f.name) as [BuiltInScorerName, ...BuiltInScorerName[]];

const optionsRecord = z.record(z.string(), z.unknown());

/** `{ name, options? }` for the given scorer names; options are checked by the scorer itself (see `ScorerRegistry.specSchema`). */
export const makeScorerSpecSchema = <const Names extends readonly [string, ...string[]]>(names: Names) =>
  z.strictObject({ name: z.enum(names), options: optionsRecord.optional() });

/** A built-in scorer and its options, as stored in golden datasets and eval configs. */
export const scorerSpecSchema = makeScorerSpecSchema(builtInScorerNames);
export type ScorerSpec = z.infer<typeof scorerSpecSchema>;

export class UnknownScorerError extends Error {
  constructor(
    readonly scorer: string,
    known: readonly string[],
  ) {
    super(`unknown scorer "${scorer}" (known: ${known.join(', ')})`);
    this.name = 'UnknownScorerError';
  }
}

/** Creates scorers by name. Built with the built-ins plus any app-specific factories: `new ScorerRegistry([...builtInScorerFactories, judge])`. */
export class ScorerRegistry {
  private readonly factories = new Map<string, ScorerFactory>();

  constructor(factories: readonly ScorerFactory[]) {
    for (const factory of factories) {
      if (this.factories.has(factory.name)) throw new Error(`ScorerRegistry: scorer "${factory.name}" is registered twice`);
      this.factories.set(factory.name, factory);
    }
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  /** Throws UnknownScorerError for an unregistered name and ScorerOptionsError for bad options. */
  create(spec: { name: string; options?: Record<string, unknown> }): Scorer {
    const factory = this.factories.get(spec.name);
    if (!factory) throw new UnknownScorerError(spec.name, this.names());
    return factory.create(spec.options);
  }

  /** A spec schema for this registry's names that also rejects options the named scorer would reject. */
  specSchema(): z.ZodType<{ name: string; options?: Record<string, unknown> }> {
    const [first, ...rest] = this.names();
    if (first === undefined) throw new Error('ScorerRegistry: no scorers registered');
    return makeScorerSpecSchema([first, ...rest]).superRefine((spec, ctx) => {
      try {
        this.create(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['options'], message: error instanceof Error ? error.message : String(error) });
      }
    });
  }
}

export const scorerRegistry = new ScorerRegistry(builtInScorerFactories);

/** A built-in scorer from its spec; see ScorerRegistry.create. */
export const createScorer = (spec: { name: string; options?: Record<string, unknown> }): Scorer => scorerRegistry.create(spec);
