import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

export interface ModelPricing {
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
}

export interface ProbePlan {
  body: ChatCompletionCreateParamsNonStreaming;
  /** An upper bound of what the probe can cost, barring a tokenizer that counts the prompt >20% longer. */
  estimateUsd: number;
}

type Json = Record<string, unknown>;

/** The target may tokenize the prompt differently from the model that served it. */
const INPUT_MARGIN = 1.2;
const INPUT_SLACK_TOKENS = 16;
/** An answer up to this many times the served one's length fits under the cap the probe sets... */
const OUTPUT_CAP_FACTOR = 4;
/** ...and never less than this; also the cap when the served answer's length is unknown. */
const MIN_OUTPUT_CAP = 512;

const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);

export const usageCostUsd = (pricing: ModelPricing, inputTokens: number, outputTokens: number): number =>
  (inputTokens * pricing.inputUsdPerMTok + outputTokens * pricing.outputUsdPerMTok) / 1_000_000;

/**
 * The replayed request and its cost bound. The body is the live request with `model` replaced and
 * streaming off. The output is what makes a cost unbounded, so when the client set no cap the probe
 * sets a generous one (several times the served answer's length) and prices that: the budget can
 * then only be overrun by one probe, never by a run of long answers.
 */
export function planProbe(requestBody: Json, model: string, pricing: ModelPricing, served: { inputTokens: number | null; outputTokens: number | null }): ProbePlan {
  // stream_options is only valid on a streamed request.
  const rest: Json = { ...requestBody };
  delete rest['stream_options'];
  const clientCap = positiveInt(rest['max_completion_tokens']) ?? positiveInt(rest['max_tokens']);
  const outputCap = clientCap ?? Math.max(OUTPUT_CAP_FACTOR * (served.outputTokens ?? 0), MIN_OUTPUT_CAP);
  const choices = positiveInt(rest['n']) ?? 1;
  // The stored body passed the gateway's request validation when it was served.
  const body = { ...rest, model, stream: false, ...(clientCap === undefined && { max_completion_tokens: outputCap }) } as unknown as ChatCompletionCreateParamsNonStreaming;
  // Without a count from the served call, about three characters a token overstates any common tokenizer.
  const inputTokens = served.inputTokens ?? Math.ceil(JSON.stringify(rest['messages'] ?? '').length / 3);
  const estimateUsd = usageCostUsd(pricing, Math.ceil(inputTokens * INPUT_MARGIN) + INPUT_SLACK_TOKENS, outputCap * choices);
  return { body, estimateUsd };
}
