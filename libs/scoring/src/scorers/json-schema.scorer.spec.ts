import { describe, expect, it } from 'vitest';
import { ScorerInputError, ScorerOptionsError } from '../scorer.js';
import { JsonSchemaScorer } from './json-schema.scorer.js';

const person = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, tags: { type: 'array', prefixItems: [{ const: 'first' }] } },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('JsonSchemaScorer', () => {
  const scorer = new JsonSchemaScorer({ schema: person });

  it('passes when the output conforms', () => {
    expect(scorer.score({ output: '{"name": "Ada", "age": 36}' })).toEqual({
      score: 1,
      label: 'conforms',
      reason: 'output conforms to the schema',
      scorer: 'json_schema',
      scorerVersion: '1',
    });
    expect(scorer.score({ output: '```json\n{"name": "Ada", "age": 36}\n```' })).toMatchObject({ score: 1, reason: 'fenced block conforms to the schema' });
  });

  it('fails with the first violations, by path', () => {
    const result = scorer.score({ output: '{"name": 1, "age": -2, "extra": true, "tags": ["second"]}' });
    expect(result).toMatchObject({ score: 0, label: 'violates' });
    expect(result.reason).toMatch(/^output violates the schema: \/ must NOT have additional properties; \/name must be string; \/age must be >= 0 \(\+1 more\)$/);
  });

  it('uses draft 2020-12 (prefixItems)', () => {
    expect(scorer.score({ output: '{"name": "Ada", "age": 1, "tags": ["first", "x"]}' }).score).toBe(1);
    expect(scorer.score({ output: '{"name": "Ada", "age": 1, "tags": ["x"]}' }).score).toBe(0);
  });

  it('fails on output that is not JSON', () => {
    expect(scorer.score({ output: 'name: Ada' })).toMatchObject({ score: 0, label: 'invalid_json' });
  });

  it('takes the schema from expected, per item', () => {
    const perItem = new JsonSchemaScorer();
    expect(perItem.score({ output: '[1, 2]', expected: { type: 'array', items: { type: 'number' } } }).score).toBe(1);
    expect(perItem.score({ output: '[1, "2"]', expected: { type: 'array', items: { type: 'number' } } }).score).toBe(0);
    expect(perItem.score({ output: '"anything"', expected: true }).score).toBe(1);
    // Two items' schemas may share an $id.
    expect(perItem.score({ output: '1', expected: { $id: 'https://x/s', type: 'number' } }).score).toBe(1);
    expect(perItem.score({ output: '1', expected: { $id: 'https://x/s', type: 'string' } }).score).toBe(0);
  });

  it('keeps answering the same after its validator cache turns over', () => {
    const perItem = new JsonSchemaScorer();
    for (let i = 0; i < 100; i++) expect(perItem.score({ output: String(i), expected: { const: i } }).score).toBe(1);
    expect(perItem.score({ output: '0', expected: { const: 0 } }).score).toBe(1);
  });

  it('rejects an invalid schema in its options when created, and in an item when scored', () => {
    expect(() => new JsonSchemaScorer({ schema: { type: 'nonsense' } })).toThrow(ScorerOptionsError);
    expect(() => new JsonSchemaScorer({ schema: { type: 'nonsense' } })).toThrow(/json_schema: invalid options: schema: /);
    expect(() => new JsonSchemaScorer({ schema: 'object' })).toThrow(/schema/);
    expect(() => new JsonSchemaScorer().score({ output: '1' })).toThrow(ScorerInputError);
    expect(() => new JsonSchemaScorer().score({ output: '1', expected: { minimum: 'x' } })).toThrow(/invalid schema/);
  });
});
