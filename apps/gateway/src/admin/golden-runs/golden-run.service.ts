import { z } from 'zod';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CreateGoldenRunRequest, DatasetScorer, GoldenRun, GoldenRunDetail, GoldenRunListResponse, GoldenRunModelSummary, ListGoldenRunsQuery } from '@switchyard/contracts';
import { DatasetRepository, type DatasetVersionRow, GoldenRunRepository, type GoldenRunRow, ScoreRepository, SpanRepository } from '@switchyard/db';
import type { GoldenProducer } from '@switchyard/queue';
import { scorerRegistry, summarize } from '@switchyard/scoring';
import { OpenAiHttpError } from '../../errors/openai-error.js';
import { resolveActor } from '../admin-actor.js';
import { GOLDEN_CHAT_MODELS, GOLDEN_PRODUCER } from './golden-runs-admin.tokens.js';

/** What a dataset without a scorer of its own is scored with, unless the run names one. */
const DEFAULT_SCORER: DatasetScorer = { name: 'exact', options: {} };
const ITEM_PAGE = 10_000;

/**
 * Golden runs: start one (a run row, then one queued job per item × model, in bulk), watch its
 * progress and per-model summary, cancel it. The worker does the calls and the scoring.
 */
@Injectable()
export class GoldenRunService {
  private readonly logger = new Logger(GoldenRunService.name);

  constructor(
    private readonly runs: GoldenRunRepository,
    private readonly datasets: DatasetRepository,
    private readonly scores: ScoreRepository,
    private readonly spans: SpanRepository,
    @Inject(GOLDEN_PRODUCER) private readonly producer: GoldenProducer,
    @Inject(GOLDEN_CHAT_MODELS) private readonly chatModels: ReadonlySet<string>,
  ) {}

  async start(body: CreateGoldenRunRequest, actorHeader: string | undefined): Promise<GoldenRunDetail> {
    const actor = resolveActor(actorHeader);
    body.models.forEach((model, i) => {
      if (!this.chatModels.has(model)) {
        throw new OpenAiHttpError(400, `The model '${model}' is not a configured chat model.`, 'invalid_request_error', 'model_not_found', `models.${i}`);
      }
    });
    const found = await this.datasets.getVersion(body.tenantId ?? null, body.dataset, body.version);
    if (!found) {
      const what = body.version === undefined ? `No dataset '${body.dataset}' (or it has no versions).` : `No version ${body.version} of dataset '${body.dataset}'.`;
      throw new OpenAiHttpError(404, what, 'invalid_request_error', 'dataset_not_found', body.version === undefined ? 'dataset' : 'version');
    }
    const scorer = body.scorer ?? found.version.scorer ?? DEFAULT_SCORER;
    checkScorer(scorer, 'scorer');
    const workloadScorers = body.workloadScorers ?? {};
    for (const [workload, spec] of Object.entries(workloadScorers)) checkScorer(spec, `workloadScorers.${workload}`);

    const itemIds = await this.itemIds(found.version.id);
    const run = await this.runs.create({ datasetVersionId: found.version.id, models: body.models, scorer, workloadScorers, total: itemIds.length * body.models.length, createdBy: actor });
    try {
      await this.producer.enqueue(run.id, itemIds, body.models);
    } catch (err) {
      // Jobs that did get queued see the run failed and skip.
      await this.runs.markFailed(run.id, `could not queue its jobs: ${(err as Error).message}`);
      throw new OpenAiHttpError(503, `Golden run ${run.id} could not queue its jobs (Redis unavailable?): ${(err as Error).message}`, 'server_error', 'queue_unavailable', null);
    }
    await this.runs.markStarted(run.id);
    this.logger.log(`golden run ${run.id} started by ${actor}: ${body.dataset} v${found.version.version}, ${itemIds.length} items × ${body.models.length} models`);
    return this.get(null, run.id);
  }

  /** Null scope: every run. A tenant's: the runs on its datasets. */
  async list(scope: string | null, query: ListGoldenRunsQuery): Promise<GoldenRunListResponse> {
    const rows = await this.runs.list(scope, { status: query.status, limit: query.limit });
    const versions = new Map<string, RunDataset | undefined>();
    const data: GoldenRun[] = [];
    for (const row of rows) {
      if (!versions.has(row.datasetVersionId)) {
        const v = await this.datasets.getVersionById(scope, row.datasetVersionId);
        versions.set(row.datasetVersionId, v && { name: v.dataset.name, tenantId: v.dataset.tenantId, version: v.version });
      }
      data.push(toRun(row, versions.get(row.datasetVersionId)));
    }
    return { data };
  }

  /** A run on another tenant's dataset answers 404, as a missing one. */
  async get(scope: string | null, id: string): Promise<GoldenRunDetail> {
    const row = await this.runs.getScoped(scope, id);
    if (!row) throw runNotFound(id);
    const [version, values, stats] = await Promise.all([this.datasets.getVersionById(scope, row.datasetVersionId), this.scores.valuesForRun(id), this.spans.runStats(id)]);
    const summary = row.models.map((model): GoldenRunModelSummary => {
      const mine = values.filter((v) => v.model === model);
      const scored = mine.flatMap((v) => (v.status === 'ok' && v.score !== null ? [v.score] : []));
      const quality = scored.length ? summarize(scored) : undefined;
      const calls = stats.find((s) => s.model === model);
      return {
        model,
        n: scored.length,
        failed: mine.length - scored.length,
        mean: quality?.mean ?? null,
        low: quality?.low ?? null,
        high: quality?.high ?? null,
        method: quality?.method ?? null,
        calls: calls?.calls ?? 0,
        costUsd: calls?.costUsd ?? null,
        latencyMs: { p50: calls?.latencyP50Ms ?? null, p95: calls?.latencyP95Ms ?? null },
      };
    });
    return { ...toRun(row, version && { name: version.dataset.name, tenantId: version.dataset.tenantId, version: version.version }), summary };
  }

  /** Stops a queued or running run: it is marked cancelled at once, and its jobs that have not started are withdrawn. */
  async cancel(id: string): Promise<GoldenRunDetail> {
    const cancelled = await this.runs.cancel(id);
    if (!cancelled) {
      const row = await this.runs.get(id);
      if (!row) throw runNotFound(id);
      throw new OpenAiHttpError(409, `Golden run ${id} has already ended (${row.status}).`, 'invalid_request_error', 'run_not_active', 'id');
    }
    try {
      await this.producer.withdraw(id, await this.itemIds(cancelled.datasetVersionId), cancelled.models);
    } catch (err) {
      // The run is cancelled either way: queued jobs check it before calling anyone.
      this.logger.warn(`golden run ${id} cancelled, but its queued jobs could not be withdrawn: ${(err as Error).message}`);
    }
    this.logger.log(`golden run ${id} cancelled at ${cancelled.done + cancelled.failed}/${cancelled.total}`);
    return this.get(null, id);
  }

  private async itemIds(versionId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let offset = 0; ; offset += ITEM_PAGE) {
      const page = await this.datasets.itemIds(versionId, { offset, limit: ITEM_PAGE });
      ids.push(...page.map((i) => i.id));
      if (page.length < ITEM_PAGE) return ids;
    }
  }
}

/** The LLM judge scorer runs in the worker, which holds the rubrics; here only its options' shape is checked. */
const judgeOptionsSchema = z.strictObject({ rubric: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/) });

function checkScorer(spec: DatasetScorer, param: string): void {
  if (spec.name === 'judge') {
    const options = judgeOptionsSchema.safeParse(spec.options ?? {});
    if (!options.success) throw new OpenAiHttpError(400, `Invalid ${param}: judge: options.rubric names a rubric file under evals/rubrics.`, 'invalid_request_error', 'invalid_scorer', param);
    return;
  }
  try {
    scorerRegistry.create(spec);
  } catch (err) {
    throw new OpenAiHttpError(400, `Invalid ${param}: ${(err as Error).message}`, 'invalid_request_error', 'invalid_scorer', param);
  }
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

interface RunDataset {
  name: string;
  tenantId: string | null;
  version: DatasetVersionRow;
}

function toRun(row: GoldenRunRow, version: RunDataset | undefined): GoldenRun {
  return {
    id: row.id,
    // A run's version always exists (foreign key); `undefined` only races a read.
    dataset: { name: version?.name ?? '', tenantId: version?.tenantId ?? null, version: version?.version.version ?? 0, versionId: row.datasetVersionId },
    models: row.models,
    scorer: row.scorer,
    workloadScorers: row.workloadScorers,
    status: row.status,
    progress: { done: row.done, failed: row.failed, total: row.total },
    error: row.error,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    cancelledAt: iso(row.cancelledAt),
  };
}

const runNotFound = (id: string): OpenAiHttpError => new OpenAiHttpError(404, `No golden run '${id}'.`, 'invalid_request_error', 'golden_run_not_found', 'id');
