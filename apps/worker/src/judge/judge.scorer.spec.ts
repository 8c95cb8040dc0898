import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScorerInputError, ScorerOptionsError } from '@switchyard/scoring';
import { describe, expect, it } from 'vitest';
import type { JudgeLlm, JudgeReply } from './judge-llm.client.js';
import { judgeScorerFactory } from './judge.scorer.js';
import { LlmJudge } from './llm-judge.service.js';
import { RubricRepository } from './rubric.repository.js';

const rubrics = new RubricRepository(join(import.meta.dirname, '../../../../evals/rubrics'));
const llm = (reply: string): JudgeLlm & { prompts: string[] } => {
  const prompts: string[] = [];
  return {
    prompts,
    complete: (messages): Promise<JudgeReply> => {
      const c = messages.at(-1)?.content;
      prompts.push(typeof c === 'string' ? c : '');
      return Promise.resolve({ content: reply });
    },
  };
};

describe('judge scorer (LLM judge for golden datasets)', () => {
  it('grades against the expected answer with the reference rubric, versioned by rubric', async () => {
    const fake = llm('{"equivalent": true, "reason": "same city"}');
    const scorer = judgeScorerFactory(new LlmJudge(fake, 0), rubrics).create({ rubric: 'correctness' });
    const result = await scorer.score({ output: 'It is Paris.', expected: 'Paris', input: [{ role: 'user', content: 'Capital of France?' }] });
    expect(result).toEqual({ score: 1, label: 'equivalent', reason: 'same city', scorer: 'judge', scorerVersion: 'correctness@1' });
    expect(fake.prompts[0]).toContain('user: Capital of France?');
    expect(fake.prompts[0]).toContain('Paris');
  });

  it('fails an item instead of scoring it zero when the judge reply does not parse', async () => {
    const scorer = judgeScorerFactory(new LlmJudge(llm('yes, equivalent'), 1), rubrics).create({ rubric: 'correctness' });
    await expect(scorer.score({ output: 'x', expected: 'y' })).rejects.toBeInstanceOf(ScorerInputError);
  });

  it('rejects unknown rubrics, missing references and pairwise rubrics', async () => {
    const factory = judgeScorerFactory(new LlmJudge(llm('{}'), 0), rubrics);
    expect(() => factory.create({ rubric: 'nope' })).toThrow(ScorerOptionsError);
    expect(() => factory.create({})).toThrow(ScorerOptionsError);
    await expect(factory.create({ rubric: 'correctness' }).score({ output: 'x' })).rejects.toThrow('needs an expected answer');
    await expect(factory.create({ rubric: 'pairwise' }).score({ output: 'x', expected: 'y' })).rejects.toThrow('pairwise');
  });

  it('refuses to start with an invalid rubric file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubrics-'));
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\nversion: "1"\nkind: reference\nsystem: s\ntemplate: "{{input}} {{output}}"\n');
    expect(() => new RubricRepository(dir)).toThrow('must contain {{expected}}');
  });
});
