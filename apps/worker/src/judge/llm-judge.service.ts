import type { Rubric } from '@switchyard/contracts';
import type { NewScore } from '@switchyard/db';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { JudgeLlm } from './judge-llm.client.js';
import { parseVerdict, type ParsedVerdict } from './judge-reply.parser.js';

/** What is being graded, already rendered as text. */
export interface JudgeSample {
  input: string;
  output: string;
  expected?: string;
  /** Pairwise: the answer `output` is compared with. */
  other?: string;
}

export type Grade =
  | { status: 'ok'; score: number; label: string; reason: string; raw: string; judgeSpanId?: string }
  /** Never a silent zero: the reply that could not be read is kept. */
  | { status: 'failed'; reason: string; raw: string; judgeSpanId?: string };

/** A grade as the score row's fields: a failed grade has no score, never a zero. */
export const gradeFields = (grade: Grade): Pick<NewScore, 'status' | 'score' | 'label' | 'reason' | 'raw' | 'judgeSpanId'> => ({
  status: grade.status,
  score: grade.status === 'ok' ? grade.score : null,
  label: grade.status === 'ok' ? grade.label : null,
  reason: grade.reason,
  raw: grade.raw,
  judgeSpanId: grade.judgeSpanId ?? null,
});

const fill = (template: string, values: Record<string, string>): string => template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);

/**
 * LLM-as-judge over a rubric. A reply that does not parse is asked again (`parseRetries` times);
 * after that the grade is `failed`, with the raw reply. Pairwise grading asks twice with the answers
 * swapped and only counts a win both orders agree on.
 */
export class LlmJudge {
  constructor(
    private readonly llm: JudgeLlm,
    private readonly parseRetries: number,
  ) {}

  async grade(rubric: Rubric, sample: JudgeSample): Promise<Grade> {
    switch (rubric.kind) {
      case 'reference-free': {
        const r = await this.ask(rubric, { input: sample.input, output: sample.output });
        if (!r.verdict.ok || r.verdict.kind !== 'reference-free') return failed(r);
        return { status: 'ok', score: (r.verdict.score - 1) / 9, label: String(r.verdict.score), reason: r.verdict.reason, raw: r.raw, judgeSpanId: r.spanId };
      }
      case 'reference': {
        if (sample.expected === undefined) throw new Error(`rubric "${rubric.name}" needs a reference answer`);
        const r = await this.ask(rubric, { input: sample.input, output: sample.output, expected: sample.expected });
        if (!r.verdict.ok || r.verdict.kind !== 'reference') return failed(r);
        return { status: 'ok', score: r.verdict.equivalent ? 1 : 0, label: r.verdict.equivalent ? 'equivalent' : 'different', reason: r.verdict.reason, raw: r.raw, judgeSpanId: r.spanId };
      }
      case 'pairwise': {
        if (sample.other === undefined) throw new Error(`rubric "${rubric.name}" needs a second answer`);
        const first = await this.ask(rubric, { input: sample.input, output_a: sample.output, output_b: sample.other });
        if (!first.verdict.ok || first.verdict.kind !== 'pairwise') return failed(first);
        const swapped = await this.ask(rubric, { input: sample.input, output_a: sample.other, output_b: sample.output });
        if (!swapped.verdict.ok || swapped.verdict.kind !== 'pairwise') return failed(swapped);
        // From `output`'s side: A in the first order, B in the swapped one.
        const a = first.verdict.winner === 'A' ? 1 : first.verdict.winner === 'B' ? 0 : 0.5;
        const b = swapped.verdict.winner === 'B' ? 1 : swapped.verdict.winner === 'A' ? 0 : 0.5;
        const score = a === b ? a : 0.5;
        const label = score === 1 ? 'win' : score === 0 ? 'loss' : a === b ? 'tie' : 'inconsistent';
        return { status: 'ok', score, label, reason: `${first.verdict.reason} | swapped: ${swapped.verdict.reason}`, raw: `${first.raw}\n---\n${swapped.raw}`, judgeSpanId: first.spanId };
      }
    }
  }

  private async ask(rubric: Rubric, values: Record<string, string>): Promise<{ verdict: ParsedVerdict; raw: string; spanId?: string }> {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: rubric.system },
      { role: 'user', content: fill(rubric.template, values) },
    ];
    let last: { verdict: ParsedVerdict; raw: string; spanId?: string } | undefined;
    for (let attempt = 0; attempt <= this.parseRetries; attempt++) {
      const reply = await this.llm.complete(messages);
      last = { verdict: parseVerdict(rubric.kind, reply.content), raw: reply.content, spanId: reply.spanId };
      if (last.verdict.ok) return last;
    }
    return last!;
  }
}

const failed = (r: { verdict: ParsedVerdict; raw: string; spanId?: string }): Grade => ({
  status: 'failed',
  reason: `unparseable judge reply: ${r.verdict.ok ? 'unexpected verdict kind' : r.verdict.error}`,
  raw: r.raw,
  judgeSpanId: r.spanId,
});
