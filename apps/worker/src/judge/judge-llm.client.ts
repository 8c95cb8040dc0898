import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { GatewayCompletionClient } from '../gateway/gateway-completion.client.js';

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
 * Calls the judge model through Switchyard's own gateway, marked as an internal judge call so it is
 * never sampled and judged itself.
 */
export class GatewayJudgeLlm implements JudgeLlm {
  private readonly client: GatewayCompletionClient;

  constructor(
    gatewayUrl: string,
    adminKey: string,
    private readonly model: string,
  ) {
    this.client = new GatewayCompletionClient(gatewayUrl, adminKey, { maxRetries: 1, timeoutMs: 120_000 });
  }

  async complete(messages: ChatCompletionMessageParam[]): Promise<JudgeReply> {
    const reply = await this.client.complete({ model: this.model, messages, temperature: 0, response_format: { type: 'json_object' } }, { origin: 'judge' });
    return { content: reply.content, spanId: reply.spanId, model: reply.model };
  }
}
