import { chatFeatures, type RequestFeatures } from '@switchyard/routing';

/** Columns of the quality model's design matrix. The first is the intercept: the accumulators rely on it. */
export const QUALITY_FEATURES = ['intercept', 'logInputTokens', 'logMessageCount', 'hasTools', 'jsonMode', 'hasCode', 'nonLatinShare'] as const;
export type QualityFeature = (typeof QUALITY_FEATURES)[number];
export const FEATURE_COUNT = QUALITY_FEATURES.length;

/** What a stored span offers for features: its request body (redaction `full` only) and its token count. */
export interface SpanFeatureInput {
  requestBody: unknown;
  inputTokens: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The gateway's own features of a stored request body: the same function it routes by. */
export function requestFeaturesOf(body: unknown): RequestFeatures | undefined {
  if (!isObject(body) || !Array.isArray(body.messages)) return undefined;
  return chatFeatures({ ...body, model: typeof body.model === 'string' ? body.model : '' }, {}, undefined);
}

/**
 * Every column is (the log of) a feature the router computes and a routing rule can condition on
 * (`has_tools`, `json_mode`, `has_code`, `non_latin_share`, ...), so what the fit learns is what a
 * proposed rule can act on.
 */
export function featureVectorOf(f: RequestFeatures): number[] {
  return [1, Math.log1p(f.inputTokens), Math.log1p(f.messageCount), f.hasTools ? 1 : 0, f.jsonMode ? 1 : 0, f.hasCode ? 1 : 0, f.nonLatinShare ?? 0];
}

/**
 * A span's feature vector. Without a body (redaction other than `full`) only the token count is
 * known: the span's own input tokens, one message, and no tools, JSON mode, code or non-Latin text.
 */
export function spanFeatureVector(span: SpanFeatureInput): number[] {
  const features = requestFeaturesOf(span.requestBody);
  if (features) return featureVectorOf(features);
  return [1, Math.log1p(span.inputTokens ?? 0), Math.log1p(1), 0, 0, 0, 0];
}
