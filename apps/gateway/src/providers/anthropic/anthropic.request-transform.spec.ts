import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TOKENS, toAnthropicRequest, UnsupportedRequestError } from './anthropic.request-transform.js';

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

describe('toAnthropicRequest', () => {
  it('hoists system and developer messages, defaults max_tokens, and drops OpenAI-only fields', () => {
    const out = toAnthropicRequest(
      {
        model: 'claude-fast',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
          { role: 'user', content: 'Hi' },
        ],
        seed: 7,
        frequency_penalty: 0.5,
        logprobs: true,
      },
      'claude-3-5-haiku-latest',
      false,
    );
    expect(out).toEqual({
      model: 'claude-3-5-haiku-latest',
      system: 'Be brief.\n\nAnswer in English.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      max_tokens: DEFAULT_MAX_TOKENS,
    });
  });

  it('maps sampling fields, stop, user and stream', () => {
    const out = toAnthropicRequest(
      { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 10, max_completion_tokens: 20, temperature: 1.6, top_p: 0.9, stop: 'END', user: 'u-1' },
      'm',
      true,
    );
    expect(out).toMatchObject({ max_tokens: 20, temperature: 1, top_p: 0.9, stop_sequences: ['END'], metadata: { user_id: 'u-1' }, stream: true });
    expect(toAnthropicRequest({ messages: [], stop: ['a', 'b'], max_tokens: 5 }, 'm', false)).toMatchObject({ stop_sequences: ['a', 'b'], max_tokens: 5 });
  });

  it('maps text and image parts: data URLs to base64, http URLs to url sources', () => {
    const out = toAnthropicRequest(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
            ],
          },
        ],
      },
      'm',
      false,
    );
    expect(out.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('maps tools, assistant tool_calls and merges consecutive tool results into one user turn', () => {
    const out = toAnthropicRequest(
      {
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rainy' }] },
          { role: 'user', content: 'Thanks, and?' },
        ],
        tools: [weatherTool],
        tool_choice: 'required',
        parallel_tool_calls: false,
      },
      'm',
      false,
    );
    expect(out.tools).toEqual([{ name: 'get_weather', description: 'Current weather', input_schema: weatherTool.function.parameters }]);
    expect(out.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(out.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'rainy' },
          { type: 'text', text: 'Thanks, and?' },
        ],
      },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
  ])('maps tool_choice %j', (choice, expected) => {
    expect(toAnthropicRequest({ messages: [], tools: [weatherTool], tool_choice: choice }, 'm', false).tool_choice).toEqual(expected);
  });

  it('sends no tool_choice without tools, and gives parameterless tools an empty object schema', () => {
    expect(toAnthropicRequest({ messages: [], tool_choice: 'auto' }, 'm', false).tool_choice).toBeUndefined();
    const out = toAnthropicRequest({ messages: [], tools: [{ type: 'function', function: { name: 'now' } }] }, 'm', false);
    expect(out.tools).toEqual([{ name: 'now', input_schema: { type: 'object', properties: {} } }]);
  });

  it('asks for JSON in the system prompt for response_format', () => {
    const jsonObject = toAnthropicRequest({ messages: [{ role: 'system', content: 'S' }], response_format: { type: 'json_object' } }, 'm', false);
    expect(jsonObject.system).toMatch(/^S\n\nRespond with a single valid JSON object/);
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const jsonSchema = toAnthropicRequest({ messages: [], response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }, 'm', false);
    expect(jsonSchema.system).toContain(JSON.stringify(schema));
  });

  it.each([
    [{ messages: [], n: 2 }, /n > 1/],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }, /audio/],
    [{ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{bad' } }] }] }, /valid JSON/],
  ])('rejects what Anthropic cannot express: %j', (body, message) => {
    expect(() => toAnthropicRequest(body, 'm', false)).toThrow(UnsupportedRequestError);
    expect(() => toAnthropicRequest(body, 'm', false)).toThrow(message);
  });
});
