import type { ModelConfig, ProviderConfig } from '@switchyard/config';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../tracing/call-record.js';
import { decodeCachedAnswer, encodeCachedAnswer } from './cached-answer.js';
import { cachedAnswerOf, completionFromStream } from './cached-answer.builder.js';

const schemas = loadOpenAiSchemas();
const NOW = 1_700_000_123_456;

const target = {
  model: { id: 'gpt-a', provider: 'fake-a', upstreamModel: 'upstream-gpt-a', kind: 'chat', pricing: { inputUsdPerMTok: 2, outputUsdPerMTok: 8 }, contextWindow: 8_192 } as ModelConfig,
  provider: { name: 'fake-a', protocol: 'openai' } as ProviderConfig,
};

const record = (overrides: Partial<CallRecord>): CallRecord => ({
  operation: 'chat',
  startedAt: new Date(NOW),
  startedPerf: 0,
  endedPerf: 1,
  requestedModel: 'gpt-a',
  request: { model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }], temperature: 0 },
  stream: false,
  target,
  attempts: [],
  status: 'ok',
  httpStatus: 200,
  redaction: 'full',
  provenance: { origin: 'live' },
  ...overrides,
});

const jsonBody = (finish: string, message: Record<string, unknown> = { role: 'assistant', content: 'Hello there.', refusal: null }): Buffer =>
  Buffer.from(
    JSON.stringify({ id: 'chatcmpl-9', object: 'chat.completion', created: 1_700_000_000, model: 'upstream-gpt-a', choices: [{ index: 0, message, logprobs: null, finish_reason: finish }] }),
  );

const sse = (...chunks: unknown[]): Uint8Array[] => [...chunks.map((c) => Buffer.from(`data: ${JSON.stringify(c)}\n\n`)), Buffer.from('data: [DONE]\n\n')];
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-7',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'upstream-gpt-a',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});

describe('cachedAnswerOf', () => {
  it('keeps a JSON answer byte for byte, and survives encoding', () => {
    const body = jsonBody('stop');
    const answer = cachedAnswerOf(record({ responseBytes: body }), 'span-1', NOW);
    expect(answer?.body.equals(body)).toBe(true);
    expect(answer?.meta).toEqual({ model: 'gpt-a', storedAt: NOW, sourceSpanId: 'span-1', finishReasons: ['stop'], responseModel: 'upstream-gpt-a', responseId: 'chatcmpl-9' });
    const decoded = decodeCachedAnswer(encodeCachedAnswer(answer!));
    expect(decoded?.meta).toEqual(answer?.meta);
    expect(decoded?.body.equals(body)).toBe(true);
  });

  it('keeps stop, length and tool_calls; not content_filter, failures, cut-off or cached calls', () => {
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('length') }), 's', NOW)).toBeDefined();
    const toolCall = { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('tool_calls', toolCall) }), 's', NOW)).toBeDefined();
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('content_filter') }), 's', NOW)).toBeUndefined();
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('stop', { role: 'assistant', content: null, refusal: 'I cannot.' }) }), 's', NOW)).toBeUndefined();
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('stop'), status: 'error' }), 's', NOW)).toBeUndefined();
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('stop'), httpStatus: 201 }), 's', NOW)).toBeUndefined();
    expect(cachedAnswerOf(record({ responseBytes: jsonBody('stop'), cache: { kind: 'exact' } }), 's', NOW)).toBeUndefined();
    expect(cachedAnswerOf(record({ responseBytes: Buffer.from('{"not":"a completion"}') }), 's', NOW)).toBeUndefined();
    // A stream that broke before its finish chunk.
    expect(cachedAnswerOf(record({ stream: true, responseBytes: sse(chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' })).slice(0, -1) }), 's', NOW)).toBeUndefined();
  });

  it('turns a streamed answer into a valid chat.completion, with usage from the adapter when the client did not ask for it', () => {
    const chunks = sse(chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({ content: ' there.' }), chunk({}, 'stop'));
    const answer = cachedAnswerOf(record({ stream: true, responseBytes: chunks, stats: { finishReasons: ['stop'], usage: { inputTokens: 5, outputTokens: 2 } } }), 'span-2', NOW);
    expect(answer).toBeDefined();
    const body = JSON.parse(answer!.body.toString('utf8')) as Record<string, unknown>;
    schemas.assertValid('CreateChatCompletionResponse', body);
    expect(body).toMatchObject({
      id: 'chatcmpl-7',
      model: 'upstream-gpt-a',
      created: Math.floor(NOW / 1000),
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });

  it('rebuilds streamed tool calls, and refuses a stream that ended in an error event', () => {
    const tool = { index: 0, id: 'call_1', type: 'function', function: { name: 'add', arguments: '' } };
    const body = completionFromStream(
      sse(chunk({ role: 'assistant', content: '' }), chunk({ tool_calls: [tool] }), chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }), chunk({}, 'tool_calls')),
      undefined,
      NOW,
    );
    const parsed = JSON.parse(body!.toString('utf8')) as Record<string, unknown>;
    schemas.assertValid('CreateChatCompletionResponse', parsed);
    expect(parsed).toMatchObject({ choices: [{ message: { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":1}' } }] }, finish_reason: 'tool_calls' }] });
    expect(parsed['usage']).toBeUndefined();
    expect(completionFromStream([...sse(chunk({ content: 'x' })), Buffer.from('data: {"error":{"message":"boom"}}\n\n')], undefined, NOW)).toBeUndefined();
  });
});
