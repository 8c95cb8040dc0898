import type { RequestFeatures } from '@switchyard/routing';

export interface ModelPricing {
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
}

interface TokenStats {
  n: number;
  input: number;
  output: number;
  /** Of rows with a request body: actual input tokens, and the gateway's estimate (characters / 4). */
  pairedActual: number;
  pairedEstimate: number;
  costN: number;
  cost: number;
}

const emptyStats = (): TokenStats => ({ n: 0, input: 0, output: 0, pairedActual: 0, pairedEstimate: 0, costN: 0, cost: 0 });

export interface CostObservation {
  workload: string;
  model: string;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  /** The gateway's input-token estimate for the request, when its body was stored. */
  estimatedInputTokens?: number;
}

export interface CostEstimate {
  inputTokens: number;
  outputTokens: number;
  usd: number;
  /** Rows of this workload × model behind the token figures. */
  n: number;
}

export interface CostSummary {
  workload: string;
  model: string;
  n: number;
  meanInputTokens: number;
  meanOutputTokens: number;
  /** Mean recorded cost per call; NaN when no call had one. */
  observedUsd: number;
  /** The model's expected cost per call at the workload's mean tokens and its configured prices. */
  expectedUsd: number | undefined;
}

const key = (workload: string, model: string): string => `${workload}\u0000${model}`;

/**
 * Expected tokens per workload × model, times the model's configured prices. Output length is the
 * model's own mean for the workload, shrunk toward the workload's mean over all models with
 * `pseudoCount` pseudo-rows, so a model seen a few times gets a sensible figure. Input tokens come
 * from the request's features when given (scaled by the model's measured tokens-per-estimate
 * ratio, since tokenizers differ), else the workload × model mean.
 */
export class CostModelBuilder {
  private readonly groups = new Map<string, TokenStats>();

  add(o: CostObservation): void {
    if (o.inputTokens === null || o.outputTokens === null) return;
    const k = key(o.workload, o.model);
    let s = this.groups.get(k);
    if (!s) this.groups.set(k, (s = emptyStats()));
    s.n++;
    s.input += o.inputTokens;
    s.output += o.outputTokens;
    if (o.estimatedInputTokens !== undefined && o.estimatedInputTokens > 0) {
      s.pairedActual += o.inputTokens;
      s.pairedEstimate += o.estimatedInputTokens;
    }
    if (o.costUsd !== null) {
      s.costN++;
      s.cost += o.costUsd;
    }
  }

  build(pricing: ReadonlyMap<string, ModelPricing>, pseudoCount: number): CostModel {
    return new CostModel(new Map(this.groups), pricing, pseudoCount);
  }
}

export class CostModel {
  private readonly workloads = new Map<string, TokenStats>();
  private readonly ratios = new Map<string, { actual: number; estimate: number }>();

  constructor(
    private readonly groups: ReadonlyMap<string, TokenStats>,
    private readonly pricing: ReadonlyMap<string, ModelPricing>,
    private readonly pseudoCount: number,
  ) {
    for (const [k, s] of groups) {
      const [workload, model] = k.split('\u0000');
      const w = this.workloads.get(workload) ?? emptyStats();
      w.n += s.n;
      w.input += s.input;
      w.output += s.output;
      this.workloads.set(workload, w);
      const r = this.ratios.get(model) ?? { actual: 0, estimate: 0 };
      r.actual += s.pairedActual;
      r.estimate += s.pairedEstimate;
      this.ratios.set(model, r);
    }
  }

  /** Undefined when the model has no configured price or the workload no token data. */
  estimate(workload: string, model: string, features?: Pick<RequestFeatures, 'inputTokens'>): CostEstimate | undefined {
    const price = this.pricing.get(model);
    const w = this.workloads.get(workload);
    if (!price || !w || w.n === 0) return undefined;
    const s = this.groups.get(key(workload, model)) ?? emptyStats();
    const k = this.pseudoCount;
    const outputTokens = (s.output + (k * w.output) / w.n) / (s.n + k);
    let inputTokens = (s.input + (k * w.input) / w.n) / (s.n + k);
    if (features) {
      const r = this.ratios.get(model);
      inputTokens = features.inputTokens * (r && r.estimate > 0 ? r.actual / r.estimate : 1);
    }
    return { inputTokens, outputTokens, usd: (inputTokens * price.inputUsdPerMTok + outputTokens * price.outputUsdPerMTok) / 1e6, n: s.n };
  }

  summaries(): CostSummary[] {
    return [...this.groups].map(([k, s]) => {
      const [workload, model] = k.split('\u0000');
      return {
        workload,
        model,
        n: s.n,
        meanInputTokens: s.input / s.n,
        meanOutputTokens: s.output / s.n,
        observedUsd: s.costN > 0 ? s.cost / s.costN : Number.NaN,
        expectedUsd: this.estimate(workload, model)?.usd,
      };
    });
  }
}
