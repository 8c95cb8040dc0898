import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { binaryResult, describeType, ScorerInputError, ScorerOptionsError, ScorerOptions, type ScoreInput, type Scorer, type ScorerFactory, type ScoreResult } from '../scorer.js';
import { parseJsonOutput } from './json-output.js';

const schemaValue = z.union([z.record(z.string(), z.unknown()), z.boolean()]);
type JsonSchema = z.infer<typeof schemaValue>;

const optionsSchema = z.strictObject({
  /** A JSON Schema (draft 2020-12). When absent, `expected` is the schema. */
  schema: schemaValue.optional(),
  allowCodeFence: z.boolean().default(true),
});

/** Compiled validators are kept per distinct schema text, up to this many; items usually share a few schemas. */
const CACHE_SIZE = 64;
const REASON_ERRORS = 3;

const describeError = (e: ErrorObject): string => `${e.instancePath || '/'} ${e.message ?? e.keyword}`;

/**
 * 1 when the output is JSON that conforms to a JSON Schema (draft 2020-12, via Ajv), else 0.
 * `format` keywords are not checked: that needs ajv-formats, which is not a dependency.
 */
export class JsonSchemaScorer implements Scorer {
  readonly name = 'json_schema';
  readonly version = '1';
  private readonly options: ScorerOptions<z.infer<typeof optionsSchema>>;
  // strict: false because schemas written for other tools carry keywords Ajv does not know
  // (`example`, vendor extensions); addUsedSchema: false so two items' schemas may share an $id.
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, addUsedSchema: false });
  private readonly validators = new Map<string, { schema: JsonSchema; validate: ValidateFunction }>();

  constructor(options?: Record<string, unknown>) {
    this.options = new ScorerOptions(this.name, optionsSchema, options);
    const { schema } = this.options.resolve(undefined);
    if (schema !== undefined) {
      try {
        this.validator(schema);
      } catch (error) {
        throw new ScorerOptionsError(this.name, `schema: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  score(input: ScoreInput): ScoreResult {
    const options = this.options.resolve(input.options);
    const validate = this.validatorFor(options.schema ?? this.schemaFromExpected(input.expected));
    const parsed = parseJsonOutput(input.output, options.allowCodeFence);
    const where = parsed.fenced ? 'fenced block' : 'output';
    if (!parsed.ok) return binaryResult(this, false, `${where} is not valid JSON: ${parsed.error}`, 'invalid_json');
    if (validate(parsed.value)) return binaryResult(this, true, `${where} conforms to the schema`, 'conforms');
    const errors = validate.errors ?? [];
    const shown = errors.slice(0, REASON_ERRORS).map(describeError).join('; ');
    const more = errors.length > REASON_ERRORS ? ` (+${errors.length - REASON_ERRORS} more)` : '';
    return binaryResult(this, false, `${where} violates the schema: ${shown}${more}`, 'violates');
  }

  private schemaFromExpected(expected: unknown): JsonSchema {
    const parsed = schemaValue.safeParse(expected);
    if (parsed.success) return parsed.data;
    throw new ScorerInputError(this.name, `needs options.schema or a JSON Schema (object or boolean) as expected, got ${describeType(expected)}`);
  }

  private validatorFor(schema: JsonSchema): ValidateFunction {
    try {
      return this.validator(schema);
    } catch (error) {
      throw new ScorerInputError(this.name, `invalid schema: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private validator(schema: JsonSchema): ValidateFunction {
    const key = JSON.stringify(schema);
    const cached = this.validators.get(key);
    if (cached) {
      // Re-insert: a Map keeps insertion order, so its first key is the least recently used.
      this.validators.delete(key);
      this.validators.set(key, cached);
      return cached.validate;
    }
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(schema);
    } catch (error) {
      this.forget(schema);
      throw error;
    }
    this.validators.set(key, { schema, validate });
    const oldest = this.validators.size > CACHE_SIZE ? this.validators.entries().next() : undefined;
    if (oldest && !oldest.done) {
      this.validators.delete(oldest.value[0]);
      this.forget(oldest.value[1].schema);
    }
    return validate;
  }

  /** Ajv keeps every schema it compiled; per-item schemas would pile up without this. */
  private forget(schema: JsonSchema): void {
    if (typeof schema === 'object') this.ajv.removeSchema(schema);
  }
}

export const jsonSchemaScorerFactory: ScorerFactory<'json_schema'> = { name: 'json_schema', create: (options) => new JsonSchemaScorer(options) };
