import { describe, expect, it } from 'vitest';
import { JsonValidScorer } from './json-valid.scorer.js';

describe('JsonValidScorer', () => {
  const scorer = new JsonValidScorer();

  it('passes on JSON, with no expected value needed', () => {
    expect(scorer.score({ output: '{"a": [1, 2]}' })).toEqual({ score: 1, label: 'valid', reason: 'output is valid JSON (object)', scorer: 'json_valid', scorerVersion: '1' });
    expect(scorer.score({ output: ' 42 ' })).toMatchObject({ score: 1, reason: 'output is valid JSON (number)' });
  });

  it('fails on text that is not JSON, and says where it broke without quoting it', () => {
    const result = scorer.score({ output: '{"a": 1,}' });
    expect(result).toMatchObject({ score: 0, label: 'invalid' });
    expect(result.reason).toMatch(/^output is not valid JSON: /);
    expect(scorer.score({ output: 'Sure! {"a": 1}' }).reason).not.toContain('Sure');
  });

  it('reads the first fenced block, unless told not to', () => {
    const output = 'Here you go:\n```json\n{"ok": true}\n```\nAnything else?';
    expect(scorer.score({ output })).toMatchObject({ score: 1, reason: 'fenced block is valid JSON (object)' });
    expect(new JsonValidScorer({ allowCodeFence: false }).score({ output }).score).toBe(0);
  });

  it('can require an object or an array at the top', () => {
    expect(new JsonValidScorer({ type: 'object' }).score({ output: '[1]' })).toMatchObject({ score: 0, label: 'wrong_type', reason: 'output is JSON but a top-level array, not object' });
    expect(new JsonValidScorer({ type: 'array' }).score({ output: '[1]' }).score).toBe(1);
    expect(() => new JsonValidScorer({ type: 'string' })).toThrow(/type/);
  });
});
