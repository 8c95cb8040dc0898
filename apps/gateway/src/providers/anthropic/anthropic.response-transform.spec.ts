import { loadOpenAiSchemas } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { toChatCompletion, toCompletionUsage } from './anthropic.response-transform.js';
import type { AnthropicMessage } from './anthropic.types.js';

const schemas = loadOpenAiSchemas();
const CREATED = 1_767_225_600;

describe('toChatCompletion', () => {
  const message: AnthropicMessage = {
    id: 'msg_2',
    type: 'message',
    role: 'assistant',
    model: 'claude-x',
    content: [
      { type: 'thinking' },
      { type: 'text', text: 'Calling.' },
      { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
    ],
    stop_reason: 'tool_use',
    usage: { input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 1, cache_creation_input_tokens: null },
  };

  it('produces a schema-valid chat.completion with tool calls and usage', () => {
    const completion = toChatCompletion(message, CREATED);
    schemas.assertValid('CreateChatCompletionResponse', completion);
    expect(completion).toEqual({
      id: 'msg_2',
      object: 'chat.completion',
      created: CREATED,
      model: 'claude-x',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Calling.',
            refusal: null,
            tool_calls: [{ id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 6, completion_tokens: 7, total_tokens: 13, prompt_tokens_details: { cached_tokens: 1 } },
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    [null, 'stop'],
  ])('maps stop_reason %s to %s', (stopReason, finishReason) => {
    const completion = toChatCompletion({ ...message, content: [{ type: 'text', text: 'x' }], stop_reason: stopReason }, CREATED);
    expect(completion.choices[0].finish_reason).toBe(finishReason);
  });

  it('gives an empty answer content "" rather than null', () => {
    expect(toChatCompletion({ ...message, content: [] }, CREATED).choices[0].message.content).toBe('');
  });

  it('counts cache writes and reads as prompt tokens', () => {
    expect(toCompletionUsage({ input_tokens: 1, cache_creation_input_tokens: 2, cache_read_input_tokens: 3, output_tokens: 4 })).toMatchObject({
      prompt_tokens: 6,
      completion_tokens: 4,
      total_tokens: 10,
    });
  });
});
