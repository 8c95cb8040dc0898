import type { ModelConfig, ProviderConfig, ProviderProtocol } from '@switchyard/config';

/** One deployment: a configured model at its provider. */
export interface CallTarget {
  model: ModelConfig;
  provider: ProviderConfig;
  /**
   * The provider key this one call sends, as the outbound key pool chose it; '' sends none.
   * Unset: the provider's first key (`provider.apiKey`), e.g. for health probes.
   */
  credential?: string;
}

/** The key a call to this target sends, if any. */
export const credentialOf = (target: CallTarget): string | undefined => target.credential ?? target.provider.apiKey;

export interface UpstreamUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What the gateway learns about a call while bytes pass through; it feeds the span. */
export interface CallStats {
  usage?: UpstreamUsage;
  finishReasons: string[];
  /** `model` as the upstream reported it. */
  responseModel?: string;
  /** `id` of the completion as the upstream reported it. */
  responseId?: string;
  /** performance.now() when the first content byte arrived (streams), for TTFT. */
  firstTokenAt?: number;
}

/** A complete JSON answer, already in OpenAI's wire format. */
export interface JsonResult {
  kind: 'json';
  status: number;
  body: Buffer;
  stats: CallStats;
}

/**
 * A streamed answer as OpenAI-format SSE bytes (`data: {...}\n\n` ... `data: [DONE]\n\n`).
 * Resolved only once the upstream accepted the call (2xx headers), so a failure before that
 * rejects the `chat()` promise and the gateway can still fall back. A failure after it is
 * thrown from the iterator as an UpstreamError with afterFirstByte = true.
 */
export interface StreamResult {
  kind: 'stream';
  status: number;
  chunks: AsyncIterable<Uint8Array>;
  /** Filled in as chunks pass; final once `chunks` is exhausted or throws. */
  stats: CallStats;
}

export interface ChatCall {
  /** The client's request body as parsed and validated; unknown vendor fields are kept. */
  body: Record<string, unknown>;
  stream: boolean;
  /** The client asked for the final usage chunk (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
  /** Aborted when the client disconnects or the gateway's deadline passes. */
  signal: AbortSignal;
}

export interface EmbeddingsCall {
  body: Record<string, unknown>;
  signal: AbortSignal;
}

/**
 * One class per wire protocol. Each adapter owns its request transform, response transform,
 * stream-chunk transform and error mapping; failures reject with UpstreamError only.
 */
export interface ProviderAdapter {
  readonly protocol: ProviderProtocol;
  chat(target: CallTarget, call: ChatCall): Promise<JsonResult | StreamResult>;
  embeddings(target: CallTarget, call: EmbeddingsCall): Promise<JsonResult>;
  /** Releases pooled connections at shutdown. */
  close(): Promise<void>;
}

/** DI token for the list of registered adapters. */
export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');
