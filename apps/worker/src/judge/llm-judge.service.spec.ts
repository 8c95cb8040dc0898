import type { Rubric } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import type { JudgeLlm, JudgeReply } from './judge-llm.client.js';
import { LlmJudge } from './llm-judge.service.js';

const rubric = (kind: Rubric['kind']): Rubric => ({
  name: 'r',
  version: '1',
  kind,
  system: 'grade',
  template: kind === 'pairwise' ? '{{input}} A: {{output_a}} B: {{output_b}}' : kind === 'reference' ? '{{input}} {{output}} ref: {{expected}}' : '{{input}} {{output}}',
});

/** Answers from a script, one reply per call, and keeps the prompts it was sent. */
class ScriptedLlm implements JudgeLlm {
  readonly prompts: string[] = [];
  constructor(private readonly replies: string[]) {}
  complete(messages: Parameters<JudgeLlm['complete']>[0]): Promise<JudgeReply> {
    const content = messages.at(-1)?.content;
    this.prompts.push(typeof content === 'string' ? content : JSON.stringify(content));
    const reply = this.replies.shift();
    if (reply === undefined) throw new Error('script ran out');
    return Promise.resolve({ content: reply, spanId: `span${this.prompts.length}` });
  }
}

describe('LlmJudge', () => {
  it('normalises a 1-10 grade to [0, 1] and keeps the label, reason and raw reply', async () => {
    const llm = new ScriptedLlm(['```json\n{"score": 10, "reason": "right"}\n```']);
    const grade = await new LlmJudge(llm, 0).grade(rubric('reference-free'), { input: 'q?', output: 'a.' });
    expect(grade).toEqual({ status: 'ok', score: 1, label: '10', reason: 'right', raw: '```json\n{"score": 10, "reason": "right"}\n```', judgeSpanId: 'span1' });
    expect(llm.prompts[0]).toBe('q? a.');
  });

  it.each([
    ['prose', 'It is an 8.'],
    ['a score out of range', '{"score": 11, "reason": "x"}'],
    ['a missing reason', '{"score": 7}'],
    ['extra keys', '{"score": 7, "reason": "x", "confidence": 0.9}'],
  ])('asks again after %s, then records a failed grade with the raw reply', async (_name, reply) => {
    const llm = new ScriptedLlm([reply, reply, reply]);
    const grade = await new LlmJudge(llm, 2).grade(rubric('reference-free'), { input: 'q', output: 'a' });
    expect(llm.prompts).toHaveLength(3);
    expect(grade).toMatchObject({ status: 'failed', raw: reply, judgeSpanId: 'span3' });
    expect('score' in grade).toBe(false);
  });

  it('uses the retry when it parses', async () => {
    const grade = await new LlmJudge(new ScriptedLlm(['nope', '{"score": 1, "reason": "wrong"}']), 1).grade(rubric('reference-free'), { input: 'q', output: 'a' });
    expect(grade).toMatchObject({ status: 'ok', score: 0, label: '1' });
  });

  it('grades against a reference', async () => {
    const llm = new ScriptedLlm(['{"equivalent": false, "reason": "different number"}']);
    const grade = await new LlmJudge(llm, 0).grade(rubric('reference'), { input: 'q', output: '41', expected: '42' });
    expect(grade).toMatchObject({ status: 'ok', score: 0, label: 'different' });
    expect(llm.prompts[0]).toBe('q 41 ref: 42');
  });

  it.each([
    ['A', 'B', 1, 'win'],
    ['B', 'A', 0, 'loss'],
    ['tie', 'tie', 0.5, 'tie'],
    // Both times the first position won: position bias, not a preference.
    ['A', 'A', 0.5, 'inconsistent'],
  ] as const)('pairwise: %s then %s (swapped) scores %s', async (first, swapped, score, label) => {
    const llm = new ScriptedLlm([`{"winner": "${first}", "reason": "r1"}`, `{"winner": "${swapped}", "reason": "r2"}`]);
    const grade = await new LlmJudge(llm, 0).grade(rubric('pairwise'), { input: 'q', output: 'mine', other: 'theirs' });
    expect(grade).toMatchObject({ status: 'ok', score, label });
    expect(llm.prompts).toEqual(['q A: mine B: theirs', 'q A: theirs B: mine']);
  });
});
