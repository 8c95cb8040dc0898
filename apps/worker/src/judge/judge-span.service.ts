import { Logger } from '@nestjs/common';
import type { JudgeJob } from '@switchyard/contracts';
import type { ScoreRepository, SpanRepository, SpanRow } from '@switchyard/db';
import type { ShadowProducer } from '@switchyard/queue';
import { UnrecoverableError } from 'bullmq';
import { gradeFields, type LlmJudge } from './llm-judge.service.js';
import type { RubricRepository } from './rubric.repository.js';
import { sampleOfSpan } from './span-sample.js';
import type { ShadowSource } from '../shadow/shadow-target.selector.js';

/** The span is not in Postgres yet (the gateway writes in batches): a transient fault, so the job retries. */
export class SpanNotPersistedError extends Error {
  constructor(spanId: string) {
    super(`span ${spanId} is not in the database yet`);
    this.name = 'SpanNotPersistedError';
  }
}

/** Which models a judged call is probed on (`ShadowTargetSelector`). */
export interface ShadowTargets {
  choose(source: ShadowSource, rubric: string, models: readonly string[], k: number): Promise<string[]>;
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
    private readonly targets: ShadowTargets,
  ) {}

  async execute(job: JudgeJob): Promise<JudgeOutcome> {
    const { outcome, span } = await this.grade(job);
    if (!job.shadow || outcome === 'skipped') return outcome;
    // Probes are read beside the live call's score, so they are asked for once it is stored. A retried
    // job sends the same job ids for the models it picks again, which BullMQ ignores.
    const source = span ?? (await this.spans.findById(job.spanId));
    if (!source) throw new SpanNotPersistedError(job.spanId);
    await this.shadows.enqueue(job.spanId, job.rubric, await this.targets.choose(source, job.rubric, job.shadow.models ?? [], job.shadow.k));
    return outcome;
  }

  private async grade(job: JudgeJob): Promise<{ outcome: JudgeOutcome; span?: SpanRow }> {
    const rubric = this.rubrics.get(job.rubric);
    if (!rubric) throw new UnrecoverableError(`unknown rubric "${job.rubric}" (have: ${this.rubrics.names().join(', ')})`);
    if (rubric.kind !== 'reference-free') throw new UnrecoverableError(`rubric "${rubric.name}" is ${rubric.kind}; live spans have no reference, so they need a reference-free rubric`);
    const scorer = `judge:${rubric.name}`;
    const existing = await this.scores.forSpan(job.spanId);
    if (existing.some((s) => s.scorer === scorer && s.scorerVersion === rubric.version && s.source === 'judge')) return { outcome: 'already_scored' };

    const span = await this.spans.findById(job.spanId);
    if (!span) throw new SpanNotPersistedError(job.spanId);
    // The gateway never samples its own calls; this guards against a hand-made job.
    if (span.internal) return { outcome: 'skipped', span };
    const sample = sampleOfSpan(span);
    if (!sample) {
      this.logger.warn(`span ${span.spanId} has no stored bodies (redaction ${span.redaction}); it cannot be judged`);
      return { outcome: 'skipped', span };
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
    return { outcome: grade.status === 'ok' ? 'scored' : 'failed', span };
  }
}
