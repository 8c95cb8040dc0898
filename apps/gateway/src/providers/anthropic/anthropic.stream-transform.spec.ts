import { loadOpenAiSchemas } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import type { CallStats } from '../provider.adapter.js';
import { SseParser } from '../sse/sse.parser.js';
import { AnthropicStreamError, AnthropicStreamTransform, DONE_EVENT } from './anthropic.stream-transform.js';

const schemas = loadOpenAiSchemas();
const CREATED = 1_767_225_600;

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Runs Anthropic SSE text through the transform and returns the OpenAI data payloads. */
function run(input: string, clientWantsUsage: boolean): { stats: CallStats; data: string[] } {
  const stats: CallStats = { finishReasons: [] };
  const transform = new AnthropicStreamTransform(stats, clientWantsUsage, CREATED, 'fallback-model');
  let out = '';
  for (const event of new SseParser().push(Buffer.from(input))) out += transform.push(event);
  transform.end();
  const data = new SseParser().push(Buffer.from(out)).map((e) => e.data ?? '');
  return { stats, data };
}

const toolStream = [
  sse('message_start', {
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 10, cache_creation_input_tokens: 2, cache_read_input_tokens: 3, output_tokens: 1 },
    },
  }),
  sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  sse('ping', {}),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Let me ' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'check.' } }),
  sse('content_block_stop', { index: 0 }),
  sse('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }),
  sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
  sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
  sse('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } }),
  sse('content_block_stop', { index: 1 }),
  sse('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
  sse('message_stop', {}),
].join('');

describe('AnthropicStreamTransform', () => {
  it('emits a role chunk, content, tool call chunks, a finish chunk and [DONE], all schema-valid', () => {
    const { stats, data } = run(toolStream, false);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown>);
    for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.map((c) => (c.choices as Array<{ delta: unknown; finish_reason: unknown }>)[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Let me ' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'check.' }, logprobs: null, finish_reason: null },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, logprobs: null, finish_reason: null },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
    ]);
    expect(new Set(chunks.map((c) => `${String(c.id)} ${String(c.created)} ${String(c.model)}`))).toEqual(new Set(['msg_1 1767225600 claude-x']));
    expect(stats).toMatchObject({
      usage: { inputTokens: 15, outputTokens: 42 },
      finishReasons: ['tool_calls'],
      responseId: 'msg_1',
      responseModel: 'claude-x',
      firstTokenAt: expect.any(Number) as number,
    });
  });

  it('adds the usage chunk before [DONE] only when the client asked for it', () => {
    const { data } = run(toolStream, true);
    expect(data.at(-1)).toBe('[DONE]');
    const usageChunk = JSON.parse(data.at(-2)!) as Record<string, unknown>;
    schemas.assertValid('CreateChatCompletionStreamResponse', usageChunk);
    expect(usageChunk).toMatchObject({ choices: [], usage: { prompt_tokens: 15, completion_tokens: 42, total_tokens: 57, prompt_tokens_details: { cached_tokens: 3 } } });
  });

  it('throws the upstream error type on an error event', () => {
    const input = toolStream.slice(0, toolStream.indexOf('event: content_block_stop')) + sse('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(() => run(input, false)).toThrow(AnthropicStreamError);
    try {
      run(input, false);
    } catch (err) {
      expect(err).toMatchObject({ type: 'overloaded_error', message: 'Overloaded' });
    }
  });

  it('throws when the stream ends before message_stop', () => {
    const input = toolStream.slice(0, toolStream.indexOf('event: message_delta'));
    expect(() => run(input, false)).toThrow(/before message_stop/);
  });

  it('ignores events after message_stop', () => {
    const stats: CallStats = { finishReasons: [] };
    const transform = new AnthropicStreamTransform(stats, false, CREATED, 'm');
    const events = new SseParser().push(Buffer.from(toolStream + sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'late' } })));
    const out = events.map((e) => transform.push(e)).join('');
    expect(out.endsWith(DONE_EVENT)).toBe(true);
  });
});
