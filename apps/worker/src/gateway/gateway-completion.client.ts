import OpenAI, { APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/** Which of Switchyard's own evaluation calls this is; the gateway keeps all of them out of sampling. */
export type InternalOrigin = 'judge' | 'golden' | 'shadow';

export interface InternalCallTags {
  origin: InternalOrigin;
  /** The golden run, or the live span a shadow probe replays; stored on the call's span. */
  runId?: string;
  /** Sent as `x-switchyard-workload`, so the span (and its routing) carries the workload. */
  workload?: string;
}

export interface GatewayCompletion {
  content: string;
  /** The call's own span in the gateway: its cost and latency, and the key its scores are stored under. */
  spanId?: string;
  /** The configured model that answered. */
  model?: string;
}

/** A gateway call that did not answer. `retryable` is false for refusals that would only repeat (a 400, a 404). */
export class GatewayCallError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    /** The failed call's span, when the gateway got far enough to start one. */
    readonly spanId: string | undefined,
  ) {
    super(message);
    this.name = 'GatewayCallError';
  }
}

const HEADER_SPAN_ID = 'x-switchyard-span-id';
const HEADER_MODEL = 'x-switchyard-model';
/** Timeouts, conflicts and rate limits pass; other 4xx refusals would be the same next time. */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([408, 409, 429]);

// A plain instanceof narrows to APIError<any, any, any>; the class's default bounds are the real ones.
const isApiError = (err: unknown): err is APIError => err instanceof APIError;

export interface GatewayClientOptions {
  /** The SDK's own retries per call, before the job's; default 0. */
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * Calls Switchyard's own gateway (routing, fallback, spans) for the worker's evaluation traffic,
 * marked as internal with the admin key so it is never sampled and judged itself. The SDK is fine
 * here: this is not the data plane.
 */
export class GatewayCompletionClient {
  private readonly client: OpenAI;

  constructor(gatewayUrl: string, adminKey: string, options: GatewayClientOptions = {}) {
    this.client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: adminKey, maxRetries: options.maxRetries ?? 0, timeout: options.timeoutMs ?? 120_000 });
  }

  async complete(body: ChatCompletionCreateParamsNonStreaming, tags: InternalCallTags): Promise<GatewayCompletion> {
    const headers: Record<string, string> = { 'x-switchyard-internal': tags.origin };
    if (tags.runId !== undefined) headers['x-switchyard-run-id'] = tags.runId;
    if (tags.workload !== undefined) headers['x-switchyard-workload'] = tags.workload;
    try {
      const { data, response } = await this.client.chat.completions.create(body, { headers }).withResponse();
      return {
        content: data.choices[0]?.message.content ?? '',
        spanId: response.headers.get(HEADER_SPAN_ID) ?? undefined,
        model: response.headers.get(HEADER_MODEL) ?? undefined,
      };
    } catch (err) {
      if (!isApiError(err)) throw err;
      const failure = err;
      // Connection errors and timeouts have no status: the gateway may be restarting.
      const status = failure.status;
      const retryable = status === undefined || status >= 500 || RETRYABLE_4XX.has(status);
      throw new GatewayCallError(failure.message, status, retryable, failure.headers?.get(HEADER_SPAN_ID) ?? undefined);
    }
  }
}
