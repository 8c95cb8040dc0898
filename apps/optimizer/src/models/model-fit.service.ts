import { Logger } from '@nestjs/common';
import type { ScoredSpanRepository, ScoreWatermark } from '@switchyard/db';
import { featureVectorOf, requestFeaturesOf, spanFeatureVector } from '../features/quality-features.js';
import { foldOf } from './cross-fit.fold.js';
import { DEFAULT_DRIFT_OPTIONS, describeDrift, type DriftFinding, DriftMonitor, type DriftOptions } from './drift.monitor.js';
import { CostModel, CostModelBuilder, type CostSummary, type ModelPricing } from './cost.model.js';
import type { JudgeCalibration } from './judge-calibration.js';
import { LatencyHistogram } from './latency.histogram.js';
import { DEFAULT_QUALITY_FIT_OPTIONS, type QualityFitOptions, type QualityGroupSummary, type QualityModel, QualityModelBuilder } from './quality.model.js';

/** What the fit reads: the scored-span repository, or a fake in tests. */
export type ScoredSpanSource = Pick<ScoredSpanRepository, 'stream' | 'watermark' | 'judgeGoldenMoments'>;

export interface ModelFitOptions {
  /** Scores older than this are left out of a fit. */
  windowMs: number;
  batchSize: number;
  quality: QualityFitOptions;
  pricing: ReadonlyMap<string, ModelPricing>;
  drift: DriftOptions;
}

export interface LatencySummary {
  model: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
}

export interface FitSummary {
  fittedAt: string;
  since: string;
  rows: number;
  seconds: number;
  watermark: ScoreWatermark;
  quality: QualityGroupSummary[];
  calibration: Record<string, JudgeCalibration>;
  /** Workload × model pairs whose recent scores dropped; their quality fits use the recent scores only. */
  drift: DriftFinding[];
  cost: CostSummary[];
  latency: LatencySummary[];
}

/** The latest fit: the models to predict with, and their summary. */
export interface ModelFit {
  /** Fitted on every score in the window. */
  quality: QualityModel;
  /** The same fit on each half of the scores, split by prompt: one to choose a route with, the other to estimate it. */
  crossFit: { selection: QualityModel; estimate: QualityModel };
  /**
   * With drift only: the same halves with each drifted model fitted on its scores from before the
   * drop instead of its recent ones, for the quality a relative floor keeps.
   */
  beforeDrift?: { selection: QualityModel; estimate: QualityModel };
  drift: readonly DriftFinding[];
  cost: CostModel;
  latency: ReadonlyMap<string, LatencyHistogram>;
  summary: FitSummary;
}

export type RefitOutcome = { status: 'fitted'; summary: FitSummary } | { status: 'skipped'; watermark: ScoreWatermark };

export const DEFAULT_MODEL_FIT_OPTIONS: Omit<ModelFitOptions, 'pricing'> = { windowMs: 30 * 24 * 3_600_000, batchSize: 10_000, quality: DEFAULT_QUALITY_FIT_OPTIONS, drift: DEFAULT_DRIFT_OPTIONS };

/**
 * Fits the quality, cost and latency models in one streaming pass over the window's scored spans
 * and keeps the latest fit in memory. A refit whose window shows the same newest score and count
 * as the last fit is skipped. Latency and tokens are counted once per score row, so a span with
 * several scores weighs more: scored spans are sampled evenly, so this evens out.
 */
export class ModelFitService {
  private readonly logger = new Logger(ModelFitService.name);
  private latest: ModelFit | undefined;
  private fitting: Promise<RefitOutcome> | undefined;

  constructor(
    private readonly source: ScoredSpanSource,
    private readonly options: ModelFitOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  current(): ModelFit | undefined {
    return this.latest;
  }

  lastFit(): FitSummary | undefined {
    return this.latest?.summary;
  }

  /** One fit at a time: a call while one runs gets that run's outcome. */
  refit(force = false): Promise<RefitOutcome> {
    this.fitting ??= this.run(force).finally(() => (this.fitting = undefined));
    return this.fitting;
  }

  private async run(force: boolean): Promise<RefitOutcome> {
    const until = this.now();
    const window = { since: new Date(until.getTime() - this.options.windowMs), until };
    const watermark = await this.source.watermark(window);
    const previous = this.latest?.summary.watermark;
    if (!force && previous && previous.latest === watermark.latest && previous.count === watermark.count) return { status: 'skipped', watermark };

    const started = performance.now();
    // Four parts, each row in one: [fold][history, recent]. Merged per use, so no row is added twice.
    const parts = [
      [new QualityModelBuilder(), new QualityModelBuilder()],
      [new QualityModelBuilder(), new QualityModelBuilder()],
    ] as const;
    const drift = new DriftMonitor(until.getTime() - this.options.drift.recentMs, this.options.drift);
    const cost = new CostModelBuilder();
    const latency = new Map<string, LatencyHistogram>();
    let rows = 0;
    for await (const batch of this.source.stream(window, this.options.batchSize)) {
      for (const row of batch) {
        const features = requestFeaturesOf(row.requestBody);
        const recent = drift.isRecent(row.scoredAt);
        parts[foldOf(row)][recent ? 1 : 0].add(row.workload, row.model, row.source, features ? featureVectorOf(features) : spanFeatureVector(row), row.score, row.scorer);
        drift.add(row.workload, row.model, row.source, row.score, row.scoredAt);
        cost.add({ ...row, estimatedInputTokens: features?.inputTokens });
        let histogram = latency.get(row.model);
        if (!histogram) latency.set(row.model, (histogram = new LatencyHistogram()));
        histogram.add(row.latencyMs);
      }
      rows += batch.length;
    }
    const pairs = await this.source.judgeGoldenMoments(window);
    const findings = drift.findings();
    const drifted = new Set(findings.map((f) => `${f.workload}\u0000${f.model}`));
    // A drifted model is not the model its history measured: fit it on its recent scores alone.
    const skip = (workload: string, model: string): boolean => drifted.has(`${workload}\u0000${model}`);
    const foldBuilder = (fold: 0 | 1) => QualityModelBuilder.merged([{ builder: parts[fold][0], skip }, { builder: parts[fold][1] }]);
    const qualityModel = QualityModelBuilder.merged([...parts[0], ...parts[1]].map((builder, i) => (i % 2 === 0 ? { builder, skip } : { builder }))).build(pairs, this.options.quality);
    const crossFit = { selection: foldBuilder(0).build(pairs, this.options.quality), estimate: foldBuilder(1).build(pairs, this.options.quality) };
    const beforeFoldBuilder = (fold: 0 | 1) => QualityModelBuilder.merged([{ builder: parts[fold][0] }, { builder: parts[fold][1], skip }]);
    const beforeDrift = findings.length > 0 ? { selection: beforeFoldBuilder(0).build(pairs, this.options.quality), estimate: beforeFoldBuilder(1).build(pairs, this.options.quality) } : undefined;
    const costModel = cost.build(this.options.pricing, this.options.quality.minSamples);
    const calibration: Record<string, JudgeCalibration> = {};
    for (const s of qualityModel.summaries()) calibration[s.workload] ??= qualityModel.calibration(s.workload) ?? { kind: 'identity', intercept: 0, slope: 1, n: 0 };
    const summary: FitSummary = {
      fittedAt: until.toISOString(),
      since: window.since.toISOString(),
      rows,
      seconds: (performance.now() - started) / 1_000,
      watermark,
      quality: qualityModel.summaries(),
      calibration,
      drift: findings,
      cost: costModel.summaries(),
      latency: [...latency].map(([model, h]) => ({ model, n: h.n, p50Ms: h.quantile(0.5), p95Ms: h.quantile(0.95) })),
    };
    this.latest = { quality: qualityModel, crossFit, ...(beforeDrift && { beforeDrift }), drift: findings, cost: costModel, latency, summary };
    for (const f of findings) this.logger.warn(`drift: ${describeDrift(f)}`);
    this.logger.log(`fitted ${summary.quality.length} workload × model pairs on ${rows} scores in ${summary.seconds.toFixed(1)} s`);
    return { status: 'fitted', summary };
  }
}
