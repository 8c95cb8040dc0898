import { type Scorer, type ScoreInput, ScorerInputError, type ScorerFactory, ScorerOptionsError, type ScoreResult } from '@switchyard/scoring';
import { z } from 'zod';
import type { LlmJudge } from './llm-judge.service.js';
import type { RubricRepository } from './rubric.repository.js';
import { renderConversation } from './span-sample.js';

export const JUDGE_SCORER = 'judge';
const optionsSchema = z.strictObject({ rubric: z.string().min(1) });

/** The LLM judge as a dataset scorer (golden runs): `{ name: 'judge', options: { rubric: 'correctness' } }`. */
class JudgeScorer implements Scorer {
  readonly name = JUDGE_SCORER;
  readonly version: string;

  constructor(
    private readonly judge: LlmJudge,
    private readonly rubric: NonNullable<ReturnType<RubricRepository['get']>>,
  ) {
    this.version = `${rubric.name}@${rubric.version}`;
  }

  async score(input: ScoreInput): Promise<ScoreResult> {
    const expected = input.expected === undefined ? undefined : typeof input.expected === 'string' ? input.expected : JSON.stringify(input.expected);
    if (this.rubric.kind === 'reference' && expected === undefined) throw new ScorerInputError(this.name, `rubric "${this.rubric.name}" needs an expected answer`);
    if (this.rubric.kind === 'pairwise') throw new ScorerInputError(this.name, 'a pairwise rubric compares two answers; a dataset item has one');
    const grade = await this.judge.grade(this.rubric, { input: renderConversation(input.input), output: input.output, expected });
    // Recorded by the caller as a failed score, never a zero.
    if (grade.status === 'failed') throw new ScorerInputError(this.name, `${grade.reason}; raw reply: ${grade.raw.slice(0, 500)}`);
    return { score: grade.score, label: grade.label, reason: grade.reason, scorer: this.name, scorerVersion: this.version };
  }
}

export function judgeScorerFactory(judge: LlmJudge, rubrics: RubricRepository): ScorerFactory<typeof JUDGE_SCORER> {
  return {
    name: JUDGE_SCORER,
    create(options) {
      const parsed = optionsSchema.safeParse(options ?? {});
      if (!parsed.success) throw new ScorerOptionsError(JUDGE_SCORER, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const rubric = rubrics.get(parsed.data.rubric);
      if (!rubric) throw new ScorerOptionsError(JUDGE_SCORER, `unknown rubric "${parsed.data.rubric}" (have: ${rubrics.names().join(', ')})`);
      return new JudgeScorer(judge, rubric);
    },
  };
}
