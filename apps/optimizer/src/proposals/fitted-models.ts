import type { RequestFeatures } from '@switchyard/routing';
import type { CostEstimate } from '../models/cost.model.js';
import type { QualityPrediction } from '../models/quality.model.js';

/** What proposals need of the fitted quality model; `QualityModel` satisfies it, specs pass stand-ins. */
export interface QualityPredictor {
  predict(workload: string, model: string, x: ArrayLike<number>): QualityPrediction | undefined;
}

/** What proposals need of the fitted cost model; `CostModel` satisfies it. */
export interface CostEstimator {
  estimate(workload: string, model: string, features?: Pick<RequestFeatures, 'inputTokens'>): CostEstimate | undefined;
}

export interface FittedModels {
  quality: QualityPredictor;
  /**
   * The same fit with each drifted model fitted on its scores from before the drop: the incumbent's
   * quality a relative floor keeps under drift. Absent when nothing drifted.
   */
  qualityBeforeDrift?: QualityPredictor;
  cost: CostEstimator;
  /** A model's recent p95 latency (e.g. from its `LatencyHistogram`); undefined without data. */
  latencyP95Ms?: (model: string) => number | undefined;
}
