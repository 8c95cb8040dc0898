import { Logger } from '@nestjs/common';
import type { JudgeJob } from '@switchyard/contracts';
import type { ScoreRepository, SpanRepository } from '@switchyard/db';
import type { ShadowProducer } from '@switchyard/queue';
import { UnrecoverableError } from 'bullmq';
import { gradeFields, type LlmJudge } from './llm-judge.service.js';
import type { RubricRepository } from './rubric.repository.js';
import { sampleOfSpan } from './span-sample.js';

/** The span is not in Postgres yet (the gateway writes in batches): a transient fault, so the job retries. */
export class SpanNotPersistedError extends Error {
  constructor(spanId: string) {
    super(`span ${spanId} is not in the database yet`);
    this.name = 'SpanNotPersistedError';
  }
}

/**
 * The k models one call is probed on: a window over the list that starts at a place set by the span
 * id. Always the first k would leave every model past the k-th unexplored for good; the span id keeps
 * a retried job asking for the same probes.
 */
export function probeTargets(spanId: string, models: readonly string[], k: number): string[] {
  if (models.length <= k) return [...models];
  let h = 0;
  for (let i = 0; i < spanId.length; i++) h = (Math.imul(h, 31) + spanId.charCodeAt(i)) >>> 0;
  const start = h % models.length;
  return Array.from({ length: k }, (_, i) => models[(start + i) % models.length]);
}

export type JudgeOutcome = 'scored' | 'failed' | 'already_scored' | 'skipped';

/**
 * Judges one sampled live span with its workload's rubric and stores the score under the span's id;
 * when the call was also picked for shadowing, then asks for probes of up to k other models.
 */
export class JudgeSpanService {
  private readonly logger = new Logger(JudgeSpanService.name);

  constructor(
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
    private readonly rubrics: RubricRepository,
    private readonly judge: LlmJudge,
    private readonly shadows: ShadowProducer,
  ) {}

  async execute(job: JudgeJob): Promise<JudgeOutcome> {
    const outcome = await this.grade(job);
    // Probes are read beside the live call's score, so they are asked for once it is stored; a retried job sends the same job ids, which BullMQ ignores.
    if (job.shadow && outcome !== 'skipped') await this.shadows.enqueue(job.spanId, job.rubric, probeTargets(job.spanId, job.shadow.models ?? [], job.shadow.k));
    return outcome;
  }

  private async grade(job: JudgeJob): Promise<JudgeOutcome> {
    const rubric = this.rubrics.get(job.rubric);
    if (!rubric) throw new UnrecoverableError(`unknown rubric "${job.rubric}" (have: ${this.rubrics.names().join(', ')})`);
    if (rubric.kind !== 'reference-free') throw new UnrecoverableError(`rubric "${rubric.name}" is ${rubric.kind}; live spans have no reference, so they need a reference-free rubric`);
    const scorer = `judge:${rubric.name}`;
    const existing = await this.scores.forSpan(job.spanId);
    if (existing.some((s) => s.scorer === scorer && s.scorerVersion === rubric.version && s.source === 'judge')) return 'already_scored';

    const span = await this.spans.findById(job.spanId);
    if (!span) throw new SpanNotPersistedError(job.spanId);
    // The gateway never samples its own calls; this guards against a hand-made job.
    if (span.internal) return 'skipped';
    const sample = sampleOfSpan(span);
    if (!sample) {
      this.logger.warn(`span ${span.spanId} has no stored bodies (redaction ${span.redaction}); it cannot be judged`);
      return 'skipped';
    }
    const grade = await this.judge.grade(rubric, sample);
    await this.scores.record({
      spanId: span.spanId,
      scorer,
      scorerVersion: rubric.version,
      source: 'judge',
      ...gradeFields(grade),
      workload: span.workload,
      model: span.model,
    });
    return grade.status === 'ok' ? 'scored' : 'failed';
  }
}
