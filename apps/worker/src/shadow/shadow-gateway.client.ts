import OpenAI, { APIError } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

export interface ShadowReply {
  /** The probe's own span in the gateway: its score is stored under it. */
  spanId?: string;
  /** The configured model that answered. */
  model?: string;
  completion: ChatCompletion;
}

export interface ShadowCallContext {
  /** The live span this call replays: the gateway stores it as the probe span's run id. */
  sourceSpanId: string;
  /** So the probe's span is counted under the same workload as the call it replays. */
  workload: string;
}

/** The gateway refused or failed the replay. `retryable` is false for a request the gateway will never accept. */
export class ShadowCallError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ShadowCallError';
  }
}

/** Replays a request to one model. Injected, so tests give the probe service a fake one. */
export interface ShadowGateway {
  replay(body: ChatCompletionCreateParamsNonStreaming, context: ShadowCallContext): Promise<ShadowReply>;
}

export const SHADOW_GATEWAY = Symbol('SHADOW_GATEWAY');

/** Client errors that a retry cannot fix; timeouts, conflicts, rate limits and 5xx can. */
const isPermanent = (status: number | undefined): boolean => status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status);

/**
 * Calls Switchyard's own gateway as an internal `shadow` call tagged with the source span id, so the
 * probe is routed, priced and stored as a span like any call, but never sampled itself. The SDK
 * does not retry: each attempt is paid for, and the budget reserves for exactly one.
 */
export class GatewayShadowClient implements ShadowGateway {
  private readonly client: OpenAI;

  constructor(gatewayUrl: string, adminKey: string) {
    this.client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: adminKey, maxRetries: 0, timeout: 300_000, defaultHeaders: { 'x-switchyard-internal': 'shadow' } });
  }

  async replay(body: ChatCompletionCreateParamsNonStreaming, context: ShadowCallContext): Promise<ShadowReply> {
    try {
      const { data, response } = await this.client.chat.completions
        .create(body, { headers: { 'x-switchyard-run-id': context.sourceSpanId, 'x-switchyard-workload': context.workload } })
        .withResponse();
      return { completion: data, spanId: response.headers.get('x-switchyard-span-id') ?? undefined, model: response.headers.get('x-switchyard-model') ?? undefined };
    } catch (err) {
      if (!(err instanceof APIError)) throw err;
      // Connection errors and timeouts have no status: the gateway may be restarting.
      const status = err.status as number | undefined;
      throw new ShadowCallError(`the gateway answered the replay with ${status ?? 'no status'}: ${err.message}`, !isPermanent(status));
    }
  }
}
