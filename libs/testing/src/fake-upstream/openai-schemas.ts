import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// The named export: under NodeNext the default import of this CommonJS module types as the module object, not the class.
import { Ajv2020 } from 'ajv/dist/2020.js';

export type OpenAiSchemaName =
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'CreateEmbeddingResponse'
  | 'ListModelsResponse'
  | 'Model'
  | 'ErrorResponse'
  | 'Error';

export interface OpenAiSchemas {
  /** Ajv's error text, or undefined when `value` is valid. */
  errors(name: OpenAiSchemaName, value: unknown): string | undefined;
  /** Throws with Ajv's error text when `value` is invalid. */
  assertValid(name: OpenAiSchemaName, value: unknown): void;
}

/** OpenAI's official response schemas, vendored (MIT) so a clone anywhere can validate against them. */
export function openAiSchemasPath(repoRoot: string = process.cwd()): string {
  return resolve(repoRoot, 'libs/testing/openai-spec/schemas.json');
}

const cache = new Map<string, OpenAiSchemas>();

/** Loads and compiles the OpenAI response schemas once per path. */
export function loadOpenAiSchemas(path: string = openAiSchemasPath()): OpenAiSchemas {
  const cached = cache.get(path);
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new Error(`OpenAI schemas not found at ${path}. Run vitest from the repository root.`);
  }
  const document = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (typeof document.$id !== 'string') throw new Error(`${path} has no $id; is it the openai-spec schemas.json?`);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  // `created` must be whole seconds; a millisecond timestamp is the usual gateway bug, so reject anything that large.
  ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 && n < 1e11 });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addSchema(document);
  const base = document.$id;

  const errors = (name: OpenAiSchemaName, value: unknown): string | undefined => {
    const validate = ajv.getSchema(`${base}#/$defs/${name}`);
    if (!validate) throw new Error(`schema ${name} is not in ${path}`);
    return validate(value) ? undefined : ajv.errorsText(validate.errors, { dataVar: name });
  };
  const schemas: OpenAiSchemas = {
    errors,
    assertValid(name, value) {
      const text = errors(name, value);
      if (text) throw new Error(`${name} schema violation: ${text}\n${JSON.stringify(value)}`);
    },
  };
  cache.set(path, schemas);
  return schemas;
}
