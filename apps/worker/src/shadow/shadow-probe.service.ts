import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { Rubric, ShadowJob } from '@switchyard/contracts';
import type { ScoreRepository, SpanRepository, SpanRow } from '@switchyard/db';
import { UnrecoverableError } from 'bullmq';
import { SpanNotPersistedError } from '../judge/judge-span.service.js';
import { gradeFields, type LlmJudge } from '../judge/llm-judge.service.js';
import type { RubricRepository } from '../judge/rubric.repository.js';
import { answerText, renderConversation } from '../judge/span-sample.js';
import type { BudgetReservation, ExplorationBudgetRepository } from './exploration-budget.repository.js';
import { ShadowCallError, type ShadowGateway, type ShadowReply } from './shadow-gateway.client.js';
import { type ModelPricing, planProbe, usageCostUsd } from './shadow-probe.plan.js';

export type ShadowOutcome = 'scored' | 'failed' | 'already_scored' | 'skipped' | 'budget_exhausted';

export type ReplayedProbe = NonNullable<ShadowJob['replayed']>;

export interface ShadowProbeSettings {
  budgetUsdPerDay: number;
  /** Configured prices per model id: what a probe is estimated and settled at. */
  pricing: ReadonlyMap<string, ModelPricing>;
  /** How long a probe waits for probes in flight to settle when they hold the rest of the budget; default 30 s. */
  holdWaitMs?: number;
}

/** Probes in flight held the rest of the budget for longer than the probe would wait: transient, so the job retries. */
export class BudgetHeldError extends Error {
  constructor(waitedMs: number) {
    super(`the exploration budget was held by probes in flight for ${waitedMs} ms`);
    this.name = 'BudgetHeldError';
  }
}

const FIRST_HOLD_POLL_MS = 50;
const MAX_HOLD_POLL_MS = 1_000;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A shadow probe: replays a judged live call to another candidate model, off the user's path and
 * within the day's exploration budget, and judges that answer with the live call's rubric. The score
 * is stored under the probe's own span (source `shadow`, run id = the live span), so the optimizer
 * sees what the other model would have done on real traffic.
 */
export class ShadowProbeService {
  private readonly logger = new Logger(ShadowProbeService.name);

  constructor(
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
    private readonly rubrics: RubricRepository,
    private readonly judge: LlmJudge,
    private readonly budget: ExplorationBudgetRepository,
    private readonly gateway: ShadowGateway,
    private readonly settings: ShadowProbeSettings,
  ) {}

  /** `checkpoint` keeps the paid-for replay on the job, so a retry judges it instead of paying again. */
  async execute(job: ShadowJob, checkpoint: (replayed: ReplayedProbe) => Promise<void>): Promise<ShadowOutcome> {
    const rubric = this.rubrics.get(job.rubric);
    if (!rubric) throw new UnrecoverableError(`unknown rubric "${job.rubric}" (have: ${this.rubrics.names().join(', ')})`);
    if (rubric.kind !== 'reference-free') throw new UnrecoverableError(`rubric "${rubric.name}" is ${rubric.kind}; a shadow probe has no reference, so it needs a reference-free rubric`);
    const pricing = this.settings.pricing.get(job.model);
    if (!pricing) throw new UnrecoverableError(`model "${job.model}" is not configured, so a probe to it cannot be priced`);

    const source = await this.spans.findById(job.sourceSpanId);
    if (!source) throw new SpanNotPersistedError(job.sourceSpanId);
    if (job.replayed) return this.judgeStored(job, rubric, source, job.replayed);
    // Only live calls are explored, and only toward a model that did not serve them.
    if (source.internal || source.origin !== 'live' || source.model === job.model) return 'skipped';
    if (!isObject(source.requestBody)) {
      this.logger.warn(`span ${source.spanId} has no stored request body (redaction ${source.redaction}); it cannot be replayed`);
      return 'skipped';
    }

    const plan = planProbe(source.requestBody, job.model, pricing, source);
    const reservation = await this.reserve(plan.estimateUsd);
    if (!reservation) return 'budget_exhausted';
    let reply: ShadowReply;
    try {
      reply = await this.gateway.replay(plan.body, { sourceSpanId: source.spanId, workload: source.workload });
    } catch (err) {
      await this.budget.release(reservation);
      if (err instanceof ShadowCallError && !err.retryable) throw new UnrecoverableError(err.message);
      throw err;
    }
    const model = reply.model ?? job.model;
    const costUsd = await this.actualCostUsd(reply, model, plan.estimateUsd);
    await this.budget.settle(reservation, costUsd);
    if (!reply.spanId) throw new UnrecoverableError('the gateway did not say which span the replay was stored as');
    const replayed: ReplayedProbe = { spanId: reply.spanId, model, costUsd };
    await checkpoint(replayed);
    return this.grade(job, rubric, source, replayed, answerText(reply.completion));
  }

  /**
   * Undefined once today's budget is spent. While probes in flight hold the rest, it waits for them to
   * settle: they mostly cost less than their estimates, and refusing now would leave that money unspent.
   */
  private async reserve(estimateUsd: number): Promise<BudgetReservation | undefined> {
    const started = Date.now();
    const maxWaitMs = this.settings.holdWaitMs ?? 30_000;
    for (let pollMs = FIRST_HOLD_POLL_MS; ; pollMs = Math.min(2 * pollMs, MAX_HOLD_POLL_MS)) {
      const result = await this.budget.reserve(this.settings.budgetUsdPerDay, estimateUsd);
      if (result.granted) return result.reservation;
      if (result.reason === 'exhausted') return undefined;
      const waited = Date.now() - started;
      if (waited >= maxWaitMs) throw new BudgetHeldError(waited);
      await sleep(Math.min(pollMs, maxWaitMs - waited));
    }
  }

  /** A retry after the replay was paid for: its answer is read back from the probe's span. */
  private async judgeStored(job: ShadowJob, rubric: Rubric, source: SpanRow, replayed: ReplayedProbe): Promise<ShadowOutcome> {
    if (await this.alreadyScored(rubric, replayed.spanId)) return 'already_scored';
    const probe = await this.spans.findById(replayed.spanId);
    if (!probe) throw new SpanNotPersistedError(replayed.spanId);
    return this.grade(job, rubric, source, replayed, answerText(probe.responseBody));
  }

  private async grade(job: ShadowJob, rubric: Rubric, source: SpanRow, replayed: ReplayedProbe, output: string | undefined): Promise<ShadowOutcome> {
    if (output === undefined) {
      this.logger.warn(`shadow span ${replayed.spanId} (${replayed.model}) has no answer to judge`);
      return 'skipped';
    }
    const input = isObject(source.requestBody) ? renderConversation(source.requestBody['messages']) : '';
    const grade = await this.judge.grade(rubric, { input, output });
    await this.scores.record({
      spanId: replayed.spanId,
      scorer: `judge:${rubric.name}`,
      scorerVersion: rubric.version,
      source: 'shadow',
      ...gradeFields(grade),
      workload: source.workload,
      model: replayed.model,
      runId: source.spanId,
      metadata: { sourceSpanId: source.spanId, sourceModel: source.model, targetModel: job.model, costUsd: replayed.costUsd },
    });
    return grade.status === 'ok' ? 'scored' : 'failed';
  }

  private async alreadyScored(rubric: Rubric, spanId: string): Promise<boolean> {
    const existing = await this.scores.forSpan(spanId);
    return existing.some((s) => s.scorer === `judge:${rubric.name}` && s.scorerVersion === rubric.version && s.source === 'shadow');
  }

  /**
   * The usage times the configured price: the gateway's own formula for the span's cost_usd. A reply
   * without usage falls back on the span's cost if it is already persisted, else on the estimate.
   */
  private async actualCostUsd(reply: ShadowReply, model: string, estimateUsd: number): Promise<number> {
    const usage = reply.completion.usage;
    const pricing = this.settings.pricing.get(model);
    if (usage && pricing) return usageCostUsd(pricing, usage.prompt_tokens, usage.completion_tokens);
    const span = reply.spanId ? await this.spans.findById(reply.spanId) : undefined;
    return span?.costUsd ?? estimateUsd;
  }
}
