import { Logger } from '@nestjs/common';
import type { ScoredSpanRepository, ScoreWatermark } from '@switchyard/db';
import { featureVectorOf, requestFeaturesOf, spanFeatureVector } from '../features/quality-features.js';
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
  cost: CostSummary[];
  latency: LatencySummary[];
}

/** The latest fit: the models to predict with, and their summary. */
export interface ModelFit {
  quality: QualityModel;
  cost: CostModel;
  latency: ReadonlyMap<string, LatencyHistogram>;
  summary: FitSummary;
}

export type RefitOutcome = { status: 'fitted'; summary: FitSummary } | { status: 'skipped'; watermark: ScoreWatermark };

export const DEFAULT_MODEL_FIT_OPTIONS: Omit<ModelFitOptions, 'pricing'> = { windowMs: 30 * 24 * 3_600_000, batchSize: 10_000, quality: DEFAULT_QUALITY_FIT_OPTIONS };

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
    const quality = new QualityModelBuilder();
    const cost = new CostModelBuilder();
    const latency = new Map<string, LatencyHistogram>();
    let rows = 0;
    for await (const batch of this.source.stream(window, this.options.batchSize)) {
      for (const row of batch) {
        const features = requestFeaturesOf(row.requestBody);
        quality.add(row.workload, row.model, row.source, features ? featureVectorOf(features) : spanFeatureVector(row), row.score, row.scorer);
        cost.add({ ...row, estimatedInputTokens: features?.inputTokens });
        let histogram = latency.get(row.model);
        if (!histogram) latency.set(row.model, (histogram = new LatencyHistogram()));
        histogram.add(row.latencyMs);
      }
      rows += batch.length;
    }
    const pairs = await this.source.judgeGoldenMoments(window);
    const qualityModel = quality.build(pairs, this.options.quality);
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
      cost: costModel.summaries(),
      latency: [...latency].map(([model, h]) => ({ model, n: h.n, p50Ms: h.quantile(0.5), p95Ms: h.quantile(0.95) })),
    };
    this.latest = { quality: qualityModel, cost: costModel, latency, summary };
    this.logger.log(`fitted ${summary.quality.length} workload × model pairs on ${rows} scores in ${summary.seconds.toFixed(1)} s`);
    return { status: 'fitted', summary };
  }
}
