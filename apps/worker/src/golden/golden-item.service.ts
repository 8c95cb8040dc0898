import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DatasetItemInput, DatasetScorer, GoldenJob } from '@switchyard/contracts';
import type { DatasetItemRow, DatasetRepository, GoldenRunRepository, GoldenRunRow, NewScore } from '@switchyard/db';
import { type Scorer, ScorerInputError, ScorerOptionsError, type ScorerRegistry, UnknownScorerError } from '@switchyard/scoring';
import { UnrecoverableError } from 'bullmq';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type GatewayCompletion, GatewayCallError, type InternalCallTags } from '../gateway/gateway-completion.client.js';
import type { ProviderConcurrency } from './provider-concurrency.js';

/** What one golden job ended as. `already_counted`: an earlier attempt (or a duplicate job) stored this item × model. */
export type GoldenOutcome = 'scored' | 'failed' | 'already_counted' | 'skipped';

/** The gateway, as the golden worker calls it. Injected, so tests give the service a fake one. */
export interface GoldenGateway {
  complete(body: ChatCompletionCreateParamsNonStreaming, tags: InternalCallTags): Promise<GatewayCompletion>;
}

export const GOLDEN_GATEWAY = Symbol('GOLDEN_GATEWAY');

/** Spans are stored under the workload the gateway resolved; an item without one gets the policy's default. */
const DEFAULT_WORKLOAD = 'default';

const isActive = (run: GoldenRunRow): boolean => run.status === 'queued' || run.status === 'running';

/** A string prompt is one user message; a message list is sent as stored (the upload validated it as chat messages). */
const messagesOf = (input: DatasetItemInput): ChatCompletionMessageParam[] =>
  typeof input === 'string' ? [{ role: 'user', content: input }] : (input as unknown as ChatCompletionMessageParam[]);

/**
 * A result the gateway has no span for (it was never reached) still needs a key that is stable per
 * run, item and model: the golden key then makes every attempt's write the same one.
 */
export const spanlessId = (runId: string, itemId: string, model: string): string => createHash('sha256').update(`${runId}\u0000${itemId}\u0000${model}`).digest('hex').slice(0, 16);

/**
 * One golden call: sends a dataset item to one model through the gateway (an internal `golden` call
 * tagged with the run id), scores the answer with the run's scorer for the item's workload, and
 * stores the score under the call's span id. The score and the run's progress are written together
 * and once per item × model, so retried and duplicated jobs never count twice. A call that fails for
 * good (a refusal, or a transient fault on the last attempt) is stored as a failed score: progress
 * counts it as `failed`, never as a zero.
 */
export class GoldenItemService {
  private readonly logger = new Logger(GoldenItemService.name);
  private readonly scorers = new Map<string, Scorer>();

  constructor(
    private readonly runs: GoldenRunRepository,
    private readonly datasets: DatasetRepository,
    private readonly gateway: GoldenGateway,
    private readonly concurrency: ProviderConcurrency,
    private readonly registry: ScorerRegistry,
  ) {}

  /** `final`: no retry follows this attempt, so a transient failure is recorded instead of thrown. */
  async execute(job: GoldenJob, attempt: { final: boolean }): Promise<GoldenOutcome> {
    const run = await this.runs.get(job.runId);
    if (!run) throw new UnrecoverableError(`golden run ${job.runId} does not exist`);
    // Cancelled (or ended): jobs still queued for it skip without calling anyone.
    if (!isActive(run)) return 'skipped';
    if (!run.models.includes(job.model)) throw new UnrecoverableError(`model "${job.model}" is not one of golden run ${run.id}'s models`);
    if (await this.runs.hasResult(run.id, job.itemId, job.model)) return 'already_counted';
    const item = await this.datasets.getItem(job.itemId);
    if (!item || item.datasetVersionId !== run.datasetVersionId) throw new UnrecoverableError(`item ${job.itemId} is not in golden run ${run.id}'s dataset version`);

    const spec = this.specFor(run, item);
    let scorer: Scorer;
    try {
      scorer = this.scorer(spec);
    } catch (err) {
      if (err instanceof ScorerOptionsError || err instanceof UnknownScorerError) return this.record(run, item, job.model, failure(spec, err.message, spanlessId(run.id, item.id, job.model)));
      throw err;
    }

    let reply: GatewayCompletion;
    try {
      reply = await this.concurrency.run(job.model, () =>
        this.gateway.complete({ model: job.model, messages: messagesOf(item.input) }, { origin: 'golden', runId: run.id, ...(item.workload !== null && { workload: item.workload }) }),
      );
    } catch (err) {
      if (!(err instanceof GatewayCallError) || (err.retryable && !attempt.final)) throw err;
      const spanId = err.spanId ?? spanlessId(run.id, item.id, job.model);
      return this.record(run, item, job.model, { ...failure(scorer, `call failed${err.status === undefined ? '' : ` (${err.status})`}: ${err.message}`, spanId), metadata: { callFailed: true } });
    }
    // The gateway names every call's span; without it the score could not be traced to its answer.
    const spanId = reply.spanId ?? spanlessId(run.id, item.id, job.model);

    try {
      const result = await scorer.score({ output: reply.content, expected: item.expected ?? undefined, input: item.input });
      return this.record(run, item, job.model, { spanId, scorer: result.scorer, scorerVersion: result.scorerVersion, status: 'ok', score: result.score, label: result.label ?? null, reason: result.reason });
    } catch (err) {
      // The item cannot be scored (no expected answer, or one of the wrong kind): that is the item's fault, not the model's.
      if (err instanceof ScorerInputError || err instanceof ScorerOptionsError) return this.record(run, item, job.model, failure(scorer, err.message, spanId));
      throw err;
    }
  }

  /**
   * Counts a job that failed for good without recording its result (an unexpected error on its last
   * attempt, or a stalled worker): its item × model becomes a failed result, so the run still completes.
   * A no-op when the result is already stored or the run has ended.
   */
  async recordAbandoned(job: GoldenJob, reason: string): Promise<GoldenOutcome> {
    const run = await this.runs.get(job.runId);
    if (!run || !isActive(run) || !run.models.includes(job.model)) return 'skipped';
    const item = await this.datasets.getItem(job.itemId);
    if (!item || item.datasetVersionId !== run.datasetVersionId) return 'skipped';
    const spec = this.specFor(run, item);
    let named: { name: string; version: string } = { name: spec.name, version: 'unknown' };
    try {
      named = this.scorer(spec);
    } catch {
      // The spec itself is broken; the failed score names it as given.
    }
    return this.record(run, item, job.model, { ...failure(named, `job failed: ${reason}`, spanlessId(run.id, item.id, job.model)), metadata: { abandoned: true } });
  }

  private specFor(run: GoldenRunRow, item: DatasetItemRow): DatasetScorer {
    return (item.workload === null ? undefined : run.workloadScorers[item.workload]) ?? run.scorer;
  }

  /** Scorers are built once per spec: some compile their options (regex, JSON schema). */
  private scorer(spec: DatasetScorer): Scorer {
    const key = JSON.stringify(spec);
    let scorer = this.scorers.get(key);
    if (!scorer) {
      scorer = this.registry.create(spec);
      this.scorers.set(key, scorer);
    }
    return scorer;
  }

  private async record(run: GoldenRunRow, item: DatasetItemRow, model: string, result: ResultFields): Promise<GoldenOutcome> {
    const score: NewScore & { runId: string; datasetItemId: string; model: string } = {
      ...result,
      source: 'golden',
      workload: item.workload ?? DEFAULT_WORKLOAD,
      model,
      runId: run.id,
      datasetItemId: item.id,
    };
    const { counted, run: after } = await this.runs.recordResult(score);
    if (!counted) return 'already_counted';
    if (after?.status === 'completed' && after.finishedAt) {
      this.logger.log(`golden run ${after.id} completed: ${after.done} scored, ${after.failed} failed of ${after.total}`);
    }
    return result.status === 'ok' ? 'scored' : 'failed';
  }
}

type ResultFields = Pick<NewScore, 'spanId' | 'scorer' | 'scorerVersion' | 'status' | 'score' | 'label' | 'reason' | 'metadata'>;

const failure = (scorer: { name: string; version?: string }, reason: string, spanId: string): ResultFields => ({
  spanId,
  scorer: scorer.name,
  scorerVersion: scorer.version ?? 'unknown',
  status: 'failed',
  score: null,
  reason: reason.slice(0, 500),
});
