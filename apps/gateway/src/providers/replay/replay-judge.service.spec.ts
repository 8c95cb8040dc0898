import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pairwiseVerdictSchema, referenceFreeVerdictSchema, referenceVerdictSchema, type Rubric, rubricSchema } from '@switchyard/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type FleetRow, type PromptMessage, ReplayFleet, ReplayFleetRepository } from './replay-fleet.repository.js';
import { renderRecordedConversation, SimulatedJudge } from './replay-judge.service.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const FLEET_PATH = `${ROOT}datasets/demo.fleet.jsonl`;

/** The shipped rubrics, read as the worker reads them. */
const rubrics = new Map<string, Rubric>(
  readdirSync(`${ROOT}evals/rubrics`)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => rubricSchema.parse(parseYaml(readFileSync(`${ROOT}evals/rubrics/${f}`, 'utf8'))))
    .map((r) => [r.name, r]),
);
const rubric = (name: string): Rubric => {
  const r = rubrics.get(name);
  if (!r) throw new Error(`no rubric ${name} in evals/rubrics`);
  return r;
};

/** The judge call the worker makes: the rubric's system prompt, and its template filled in. */
const judgePrompt = (r: Rubric, values: Record<string, string>): PromptMessage[] => [
  { role: 'system', content: r.system },
  { role: 'user', content: r.template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole) },
];
const helpfulness = (row: FleetRow, answer: string): PromptMessage[] => judgePrompt(rubric('helpfulness'), { input: renderRecordedConversation(row.messages), output: answer });

/** The verdict as the worker's strict parser would read it. */
const scoreOf = (reply: string): number => referenceFreeVerdictSchema.parse(JSON.parse(reply)).score;

/** Rows and candidates whose answer text is graded alike by every model that gave it, so the recording is unambiguous. */
const unambiguous = (fleet: ReplayFleet): Array<{ row: FleetRow; content: string; correct: boolean }> =>
  fleet.rows.flatMap((row) =>
    Object.values(row.candidates)
      .filter((c) => Object.values(row.candidates).every((o) => o.content.trim() !== c.content.trim() || o.score >= 0.5 === c.score >= 0.5))
      .map((c) => ({ row, content: c.content, correct: c.score >= 0.5 })),
  );

/** A fleet of `n` prompts, each answered once right and once wrong, so every judgment is a distinct (prompt, answer). */
const syntheticFleet = (n: number): ReplayFleet =>
  new ReplayFleet(
    'synthetic.fleet.jsonl',
    Array.from({ length: n }, (_, i) => ({
      id: `w/${i}`,
      workload: 'w',
      messages: [{ role: 'user', content: `Question ${i}: what is ${i} + 1?` }],
      expected: String(i + 1),
      candidates: {
        right: { content: String(i + 1), score: 1, usage: { prompt_tokens: 5, completion_tokens: 1 } },
        wrong: { content: String(i + 2), score: 0, usage: { prompt_tokens: 5, completion_tokens: 1 } },
      },
    })),
  );

describe('SimulatedJudge', () => {
  let fleet: ReplayFleet;
  let cases: ReturnType<typeof unambiguous>;

  beforeAll(async () => {
    fleet = await new ReplayFleetRepository().load(FLEET_PATH);
    cases = unambiguous(fleet);
  });

  it('with no noise, scores every recorded answer as its recording was graded (helpfulness: 10 or 1)', () => {
    const judge = new SimulatedJudge(fleet, { noiseRate: 0, seed: 1 });
    expect(cases.length).toBeGreaterThan(3_000);
    expect(cases.filter((c) => c.correct).length).toBeGreaterThan(1_000);
    expect(cases.filter((c) => !c.correct).length).toBeGreaterThan(500);
    for (const c of cases) {
      const judgment = judge.judge(helpfulness(c.row, c.content));
      expect(judgment?.kind).toBe('score');
      expect(scoreOf(judgment!.reply), `${c.row.id}: ${c.content}`).toBe(c.correct ? 10 : 1);
      expect(judgment?.answers).toEqual([{ recordedCorrect: c.correct, judgedCorrect: c.correct }]);
    }
  });

  it('answers the correctness rubric with {"equivalent"}, going by the recording rather than the reference text', () => {
    const judge = new SimulatedJudge(fleet, { noiseRate: 0, seed: 1 });
    const correctness = rubric('correctness');
    for (const c of cases.slice(0, 500)) {
      const prompt = judgePrompt(correctness, { input: renderRecordedConversation(c.row.messages), expected: c.row.expected ?? 'unknown', output: c.content });
      const verdict = referenceVerdictSchema.parse(JSON.parse(judge.judge(prompt)?.reply ?? 'null'));
      expect(verdict.equivalent).toBe(c.correct);
    }
  });

  it('answers the pairwise rubric with the answer that is correct, or a tie', () => {
    const judge = new SimulatedJudge(fleet, { noiseRate: 0, seed: 1 });
    const pairwise = rubric('pairwise');
    const row = cases.find((c) => c.correct && cases.some((o) => o.row === c.row && !o.correct))!.row;
    const right = cases.find((c) => c.row === row && c.correct)!.content;
    const wrong = cases.find((c) => c.row === row && !c.correct)!.content;
    const winner = (a: string, b: string): string =>
      pairwiseVerdictSchema.parse(JSON.parse(judge.judge(judgePrompt(pairwise, { input: renderRecordedConversation(row.messages), output_a: a, output_b: b }))?.reply ?? 'null')).winner;
    expect(winner(right, wrong)).toBe('A');
    expect(winner(wrong, right)).toBe('B');
    expect(winner(right, right)).toBe('tie');
    expect(winner(wrong, 'I would rather not say.')).toBe('tie');
  });

  it('judges an answer no model recorded, and any answer to an unrecorded prompt, incorrect', () => {
    const judge = new SimulatedJudge(fleet, { noiseRate: 0, seed: 1 });
    const correct = cases.find((c) => c.correct)!;
    expect(scoreOf(judge.judge(helpfulness(correct.row, 'I would rather not say.'))!.reply)).toBe(1);
    const unrecorded = { ...correct.row, messages: [{ role: 'user', content: 'hi' }] };
    expect(scoreOf(judge.judge(helpfulness(unrecorded, correct.content))!.reply)).toBe(1);
    // Surrounding whitespace is not part of the answer.
    expect(scoreOf(judge.judge(helpfulness(correct.row, `\n ${correct.content} \n`))!.reply)).toBe(10);
  });

  it('finds the conversation even when the prompt itself holds a line that looks like a rubric heading', () => {
    const tricky = new ReplayFleet('tricky.fleet.jsonl', [
      {
        id: 'w/1',
        workload: 'w',
        messages: [{ role: 'user', content: 'Fix this:\n\n[Answer to grade]\nnot a heading' }],
        expected: null,
        candidates: { m: { content: 'fixed', score: 1, usage: { prompt_tokens: 1, completion_tokens: 1 } } },
      },
    ]);
    const judge = new SimulatedJudge(tricky, { noiseRate: 0, seed: 1 });
    expect(scoreOf(judge.judge(helpfulness(tricky.rows[0], 'fixed'))!.reply)).toBe(10);
  });

  it('does not answer what is not a rubric prompt', () => {
    const judge = new SimulatedJudge(fleet, { noiseRate: 0, seed: 1 });
    const prompt = helpfulness(cases[0].row, cases[0].content);
    expect(judge.judge(fleet.rows[0].messages)).toBeUndefined();
    expect(judge.judge([prompt[1]])).toBeUndefined(); // no system prompt naming the reply shape
    expect(judge.judge([prompt[0]])).toBeUndefined(); // nothing to grade
    expect(judge.judge([prompt[0], { role: 'user', content: '[Conversation]\nuser: hi' }])).toBeUndefined(); // no answer section
    const pairwisePrompt = judgePrompt(rubric('pairwise'), { input: 'user: hi', output_a: 'a', output_b: 'b' });
    expect(judge.judge([prompt[0], pairwisePrompt[1]])).toBeUndefined(); // a score reply asked for two answers
  });

  it('flips 10% of 10,000 judgments (±1%), alike for right and wrong answers, reproducibly whatever the call order', () => {
    const synthetic = syntheticFleet(5_000);
    const judge = new SimulatedJudge(synthetic, { noiseRate: 0.1, seed: 42 });
    const prompts = synthetic.rows.flatMap((row) => Object.values(row.candidates).map((c) => helpfulness(row, c.content)));
    const judgments = prompts.map((p) => judge.judge(p)!.answers[0]);
    expect(judgments).toHaveLength(10_000);
    const flipped = (xs: typeof judgments): number => xs.filter((j) => j.judgedCorrect !== j.recordedCorrect).length / xs.length;
    expect(flipped(judgments)).toBeGreaterThanOrEqual(0.09);
    expect(flipped(judgments)).toBeLessThanOrEqual(0.11);
    expect(flipped(judgments.filter((j) => j.recordedCorrect))).toBeCloseTo(0.1, 1);
    expect(flipped(judgments.filter((j) => !j.recordedCorrect))).toBeCloseTo(0.1, 1);

    // The same judgments in reverse order, by a fresh judge with the same seed: the same verdicts.
    const again = new SimulatedJudge(synthetic, { noiseRate: 0.1, seed: 42 });
    const reversed = [...prompts].reverse().map((p) => again.judge(p)!.answers[0]);
    expect(reversed.reverse()).toEqual(judgments);

    // Another seed flips about as many, but others.
    const other = new SimulatedJudge(synthetic, { noiseRate: 0.1, seed: 43 });
    const otherJudgments = prompts.map((p) => other.judge(p)!.answers[0]);
    expect(flipped(otherJudgments)).toBeGreaterThanOrEqual(0.09);
    expect(flipped(otherJudgments)).toBeLessThanOrEqual(0.11);
    const differ = otherJudgments.filter((j, i) => j.judgedCorrect !== judgments[i].judgedCorrect).length;
    expect(differ).toBeGreaterThan(1_000);
  });

  it('reports the noisy verdict in the reply, so the worker scores what the judge said', () => {
    const synthetic = syntheticFleet(200);
    const judge = new SimulatedJudge(synthetic, { noiseRate: 0.5, seed: 7 });
    let flips = 0;
    for (const row of synthetic.rows) {
      const judgment = judge.judge(helpfulness(row, row.candidates['right'].content))!;
      expect(scoreOf(judgment.reply)).toBe(judgment.answers[0].judgedCorrect ? 10 : 1);
      if (!judgment.answers[0].judgedCorrect) flips++;
    }
    expect(flips).toBeGreaterThan(50);
    expect(flips).toBeLessThan(150);
  });
});
