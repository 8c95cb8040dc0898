import type { PolicyDocument, PolicyDocumentInput } from '@switchyard/contracts';
import { buildCatalog, type ModelCatalog, type RequestFeatures, validatePolicy } from '@switchyard/routing';
import type { CostEstimator, FittedModels, QualityPredictor } from '../fitted-models.js';
import type { ReplaySample } from '../policy-replay.js';

/** Spec-only stand-ins for the fitted models: quality and cost as plain functions of the prompt's tokens. */

export const WORKLOAD = 'winogrande';

export const catalog: ModelCatalog = buildCatalog(
  ['gpt-4', 'yi-34b', 'mixtral', 'claude'].map((id) => ({ id, kind: 'chat' as const, inputUsdPerMTok: 1, outputUsdPerMTok: 1, contextWindow: 128_000 })),
);

export const parentOf = (doc: PolicyDocumentInput): PolicyDocument => {
  const v = validatePolicy(doc, catalog);
  if (!v.ok) throw new Error(`invalid spec policy: ${JSON.stringify(v.issues)}`);
  return v.policy;
};

/** The incumbent: the workload routed to gpt-4. */
export const incumbent = (): PolicyDocument => parentOf({ defaultRoute: 'gpt-4', routes: { [WORKLOAD]: 'gpt-4' } });

export const features = (inputTokens: number): RequestFeatures => ({
  operation: 'chat',
  requestedModel: 'auto',
  inputTokens,
  messageCount: 2,
  hasTools: false,
  hasImages: false,
  jsonMode: false,
  stream: false,
  systemPrompt: '',
});

/** `n` requests with input tokens evenly spread over [from, to). */
export const samples = (n: number, from = 100, to = 1_000, workload = WORKLOAD): ReplaySample[] =>
  Array.from({ length: n }, (_, i) => ({ workload, features: features(Math.round(from + ((to - from) * i) / n)) }));

type PerModel<T> = Readonly<Record<string, (inputTokens: number) => T>>;

/** Quality per model as a function of input tokens, with a ± `half` interval. */
export function quality(perModel: PerModel<number>, half = 0.01): QualityPredictor {
  return {
    predict: (_workload, model, x) => {
      const f = perModel[model];
      if (!f) return undefined;
      const mean = f(Math.round(Math.expm1(x[1])));
      return { mean, interval: { low: mean - half, high: mean + half } };
    },
  };
}

/** Cost per request per model as a function of input tokens. */
export function cost(perModel: PerModel<number>): CostEstimator {
  return {
    estimate: (_workload, model, f) => {
      const c = perModel[model];
      if (!c) return undefined;
      const inputTokens = f?.inputTokens ?? 500;
      return { inputTokens, outputTokens: 100, usd: c(inputTokens), n: 100 };
    },
  };
}

export const fitted = (q: PerModel<number>, c: PerModel<number>, half?: number): FittedModels => ({ quality: quality(q, half), cost: cost(c) });
export const flat = (v: number) => (): number => v;
