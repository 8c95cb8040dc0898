import { loadOpenAiSchemas } from '@switchyard/testing';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();

describe('an Anthropic upstream behind the OpenAI surface', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('hoists the system prompt and answers in the OpenAI shape', async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'system', content: 'be terse' }, { role: 'user', content: 'hi' }], max_tokens: 64 })
      .withResponse();
    schemas.assertValid('CreateChatCompletionResponse', data);
    const sent = h.anthropic.requests.at(-1);
    expect(sent?.path).toBe('/v1/messages');
    expect(sent?.body).toMatchObject({ model: 'claude-test', system: 'be terse', max_tokens: 64, messages: [{ role: 'user' }] });
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id')!);
    expect(span).toMatchObject({ model: 'claude', provider: 'fake-anthropic', inputTokens: data.usage?.prompt_tokens, outputTokens: data.usage?.completion_tokens });
  });

  it('turns its event stream into OpenAI chunks', async () => {
    const stream = await h.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    for (const c of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', c);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('').length).toBeGreaterThan(0);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('round-trips tool calls and tool results', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
    const first = await h.client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'look it up' }], tools });
    schemas.assertValid('CreateChatCompletionResponse', first);
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    const second = await h.client.chat.completions.create({
      model: 'claude',
      tools,
      messages: [
        { role: 'user', content: 'look it up' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'result-42' },
      ],
    });
    expect(second.choices[0]?.message.content).toContain('result-42');
    const sent = h.anthropic.requests.at(-1)?.body as { messages: { role: string; content: { type: string }[] }[] };
    expect(sent.messages[1]?.content[0]?.type).toBe('tool_use');
    expect(sent.messages[2]).toMatchObject({ role: 'user', content: [{ type: 'tool_result' }] });
  });
});
