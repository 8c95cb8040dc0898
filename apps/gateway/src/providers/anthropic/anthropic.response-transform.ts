import type { ChatCompletion, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { UpstreamUsage } from '../provider.adapter.js';
import type { AnthropicMessage, AnthropicResponseBlock, AnthropicTextBlock, AnthropicToolUseBlock, AnthropicUsage } from './anthropic.types.js';

export type FinishReason = ChatCompletion.Choice['finish_reason'];

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function toFinishReason(stopReason: string | null | undefined): FinishReason {
  return (stopReason && FINISH_REASONS[stopReason]) || 'stop';
}

/** Cache reads and writes are input too: OpenAI's prompt_tokens counts every input token. */
export function toCompletionUsage(usage: AnthropicUsage): CompletionUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + cacheRead;
  const completion = usage.output_tokens ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
}

export function toUpstreamUsage(usage: CompletionUsage): UpstreamUsage {
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

/** Anthropic Message → OpenAI chat.completion. Thinking and server-tool blocks have no OpenAI field and are skipped. */
export function toChatCompletion(message: AnthropicMessage, created: number): ChatCompletion {
  let text = '';
  const toolCalls: ChatCompletionMessageFunctionToolCall[] = [];
  for (const block of message.content) {
    if (isText(block)) text += block.text;
    else if (isToolUse(block)) toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
  }
  return {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text || (toolCalls.length > 0 ? null : ''),
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toFinishReason(message.stop_reason),
      },
    ],
    usage: toCompletionUsage(message.usage),
  };
}

export function isText(block: AnthropicResponseBlock): block is AnthropicTextBlock {
  return block.type === 'text';
}

export function isToolUse(block: AnthropicResponseBlock): block is AnthropicToolUseBlock {
  return block.type === 'tool_use';
}
