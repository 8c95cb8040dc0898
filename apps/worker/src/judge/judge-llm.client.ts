import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

export interface JudgeReply {
  content: string;
  /** The judge call's own span in the gateway, so its spend and latency can be traced from the score. */
  spanId?: string;
  model?: string;
}

/** The judge's LLM. Injected, so tests give it a fake upstream and the judge logic never knows. */
export interface JudgeLlm {
  complete(messages: ChatCompletionMessageParam[]): Promise<JudgeReply>;
}

export const JUDGE_LLM = Symbol('JUDGE_LLM');

/**
 * Calls the judge model through Switchyard's own gateway (routing, fallback, spans), marked as an
 * internal judge call so it is never sampled and judged itself. The SDK is fine here: this is not
 * the data plane.
 */
export class GatewayJudgeLlm implements JudgeLlm {
  private readonly client: OpenAI;

  constructor(
    gatewayUrl: string,
    adminKey: string,
    private readonly model: string,
  ) {
    this.client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: adminKey, maxRetries: 1, timeout: 120_000, defaultHeaders: { 'x-switchyard-internal': 'judge' } });
  }

  async complete(messages: ChatCompletionMessageParam[]): Promise<JudgeReply> {
    const { data, response } = await this.client.chat.completions
      .create({ model: this.model, messages, temperature: 0, response_format: { type: 'json_object' } })
      .withResponse();
    return {
      content: data.choices[0]?.message.content ?? '',
      spanId: response.headers.get('x-switchyard-span-id') ?? undefined,
      model: response.headers.get('x-switchyard-model') ?? undefined,
    };
  }
}
