import { loadOpenAiSchemas } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { assembleStreamedResponse } from '../tracing/stream-assembler.js';
import { type CachedCompletion, cachedCompletionSchema } from './cached-answer.js';
import { replayStreamEvents } from './cached-stream.builder.js';

const schemas = loadOpenAiSchemas();

const usage = { prompt_tokens: 12, completion_tokens: 700, total_tokens: 712 };

const completion = (message: Record<string, unknown>, finish = 'stop', extra: Record<string, unknown> = {}): CachedCompletion =>
  cachedCompletionSchema.parse({
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'upstream-gpt-a',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: finish }],
    usage,
    ...extra,
  });

/** Splits an SSE body into its `data:` payloads, asserting the framing on the way. */
function dataOf(events: string[]): string[] {
  const body = events.join('');
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
}

/** Every chunk valid against OpenAI's stream schema; returns them parsed, without [DONE]. */
function validChunks(events: string[]): Record<string, unknown>[] {
  const data = dataOf(events);
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown>);
  for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
  return chunks;
}

describe('replayStreamEvents', () => {
  const longText = 'é🙂'.repeat(300) + ' the end';

  it('replays a text answer as role, content pieces and finish chunks that rebuild the same text', () => {
    const events = replayStreamEvents(completion({ content: longText }), false);
    const chunks = validChunks(events);
    expect(chunks[0]).toMatchObject({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'upstream-gpt-a', choices: [{ delta: { role: 'assistant' } }] });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
    const rebuilt = assembleStreamedResponse([Buffer.from(events.join(''))]).response;
    expect(rebuilt).toMatchObject({ id: 'chatcmpl-1', model: 'upstream-gpt-a', choices: [{ index: 0, message: { content: longText }, finish_reason: 'stop' }] });
  });

  it('adds the usage chunk (and usage: null elsewhere) only when the client asked for it', () => {
    const chunks = validChunks(replayStreamEvents(completion({ content: 'four' }), true));
    const last = chunks.at(-1);
    expect(last).toMatchObject({ choices: [], usage });
    for (const chunk of chunks.slice(0, -1)) expect(chunk['usage']).toBeNull();
  });

  it('replays tool calls with their ids, names and arguments', () => {
    const toolCalls = [
      { id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } },
      { id: 'call_2', type: 'function', function: { name: 'mul', arguments: '{"a":3,"b":3}' } },
    ];
    const events = replayStreamEvents(completion({ content: null, tool_calls: toolCalls }, 'tool_calls'), false);
    const chunks = validChunks(events);
    expect(chunks.at(-1)).toMatchObject({ choices: [{ finish_reason: 'tool_calls' }] });
    const rebuilt = assembleStreamedResponse([Buffer.from(events.join(''))]).response;
    expect(rebuilt).toMatchObject({ choices: [{ message: { content: null, tool_calls: toolCalls }, finish_reason: 'tool_calls' }] });
  });

  it('replays every choice of an n > 1 answer, and keeps system_fingerprint and service_tier', () => {
    const body = cachedCompletionSchema.parse({
      ...completion({ content: 'one' }),
      system_fingerprint: 'fp_1',
      service_tier: 'default',
      choices: [
        { index: 1, message: { role: 'assistant', content: 'two', refusal: null }, logprobs: null, finish_reason: 'length' },
        { index: 0, message: { role: 'assistant', content: 'one', refusal: null }, logprobs: null, finish_reason: 'stop' },
      ],
    });
    const events = replayStreamEvents(body, false);
    const chunks = validChunks(events);
    for (const chunk of chunks) expect(chunk).toMatchObject({ system_fingerprint: 'fp_1', service_tier: 'default' });
    const rebuilt = assembleStreamedResponse([Buffer.from(events.join(''))]).response;
    expect(rebuilt['choices']).toEqual([
      { index: 0, message: { role: 'assistant', content: 'one' }, finish_reason: 'stop' },
      { index: 1, message: { role: 'assistant', content: 'two' }, finish_reason: 'length' },
    ]);
  });
});
