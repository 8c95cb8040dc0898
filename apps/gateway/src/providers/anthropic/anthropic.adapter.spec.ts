import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { providerConfigSchema, type ModelConfig, type ProviderConfig } from '@switchyard/config';
import { loadOpenAiSchemas, startFakeAnthropicUpstream, type FakeUpstream } from '@switchyard/testing';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallTarget, ChatCall, JsonResult, ProviderAdapter, StreamResult } from '../provider.adapter.js';
import { SseParser } from '../sse/sse.parser.js';
import { UpstreamError } from '../upstream.error.js';
import { AnthropicAdapter } from './anthropic.adapter.js';

const API_KEY = 'sk-ant-test-0123456789abcdef-secret';
const schemas = loadOpenAiSchemas();

function targetFor(baseUrl: string, timeouts: Partial<ProviderConfig['timeouts']> = {}): CallTarget {
  const provider: ProviderConfig = {
    ...providerConfigSchema.parse({
      name: 'fake-anthropic',
      protocol: 'anthropic',
      baseUrl,
      headers: { 'anthropic-beta': 'fake-beta-2026' },
      timeouts: { connectMs: 1_000, firstByteMs: 5_000, totalMs: 20_000, ...timeouts },
      maxConnections: 4,
    }),
    apiKey: API_KEY,
  };
  const model: ModelConfig = {
    id: 'claude-fast',
    provider: 'fake-anthropic',
    upstreamModel: 'claude-fast-2026-01',
    kind: 'chat',
    pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 5 },
    contextWindow: 200_000,
  };
  return { provider, model };
}

function chatCall(body: Record<string, unknown>, overrides: Partial<ChatCall> = {}): ChatCall {
  return {
    body: { model: 'claude-fast', messages: [{ role: 'user', content: 'Hi' }], ...body },
    stream: body.stream === true,
    clientWantsUsage: false,
    signal: new AbortController().signal,
    ...overrides,
  };
}

function asJson(result: JsonResult | StreamResult): JsonResult {
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return result;
}

function asStream(result: JsonResult | StreamResult): StreamResult {
  if (result.kind !== 'stream') throw new Error('expected a stream result');
  return result;
}

async function readData(result: StreamResult): Promise<string[]> {
  const parser = new SseParser();
  const data: string[] = [];
  for await (const chunk of result.chunks) for (const event of parser.push(chunk)) data.push(event.data ?? '');
  return data;
}

type Chunk = { choices: Array<{ delta: { content?: string; tool_calls?: Array<{ function?: { arguments?: string } }> }; finish_reason: string | null }> };

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  const error = err as UpstreamError;
  expect(error.message).not.toContain(API_KEY);
  expect(error.provider).toBe('fake-anthropic');
  expect(error.model).toBe('claude-fast');
  return error;
}

describe('AnthropicAdapter', () => {
  let upstream: FakeUpstream;
  let adapter: ProviderAdapter;
  let target: CallTarget;

  beforeAll(async () => {
    upstream = await startFakeAnthropicUpstream({ text: 'Bonjour from Claude.' });
    adapter = new AnthropicAdapter();
    target = targetFor(upstream.url);
  });
  afterEach(async () => {
    // Every upstream request must have finished or been cancelled; this also keeps abort counts per test.
    await vi.waitFor(() => expect(upstream.inFlight()).toBe(0));
    upstream.setBehaviour(undefined);
    upstream.requests.length = 0;
  });
  afterAll(async () => {
    await adapter.close();
    await upstream.close();
  });

  it('non-stream: calls /v1/messages with Anthropic headers and answers a schema-valid chat.completion', async () => {
    const result = asJson(await adapter.chat(target, chatCall({ messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }] })));

    const sent = upstream.requests[0];
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(API_KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['anthropic-beta']).toBe('fake-beta-2026');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({ model: 'claude-fast-2026-01', system: 'Be kind.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], max_tokens: 4096 });

    const completion = JSON.parse(result.body.toString('utf8')) as ChatCompletion;
    schemas.assertValid('CreateChatCompletionResponse', completion);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe('Bonjour from Claude.');
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(result.stats).toEqual({
      usage: { inputTokens: completion.usage!.prompt_tokens, outputTokens: 3 },
      finishReasons: ['stop'],
      responseModel: 'claude-fast-2026-01',
      responseId: completion.id,
    });
  });

  it('stream: translates to chat.completion.chunk events ending in one [DONE], without usage unless asked', async () => {
    const result = asStream(await adapter.chat(target, chatCall({ stream: true })));
    const data = await readData(result);

    expect((upstream.requests[0].body as Record<string, unknown>).stream).toBe(true);
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk & Record<string, unknown>);
    for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Bonjour from Claude.');
    expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');
    expect(result.stats).toMatchObject({ usage: { outputTokens: 3 }, finishReasons: ['stop'], responseModel: 'claude-fast-2026-01', firstTokenAt: expect.any(Number) as number });
  });

  it('stream: adds the usage chunk when the client asked for it', async () => {
    const data = await readData(asStream(await adapter.chat(target, chatCall({ stream: true }, { clientWantsUsage: true }))));
    const usageChunk = JSON.parse(data.at(-2)!) as Record<string, unknown>;
    schemas.assertValid('CreateChatCompletionStreamResponse', usageChunk);
    expect(usageChunk).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  describe('tools', () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

    it('round-trips a tool call and its result', async () => {
      const first = asJson(await adapter.chat(target, chatCall({ tools, tool_choice: 'auto' })));
      expect(upstream.requests[0].body).toMatchObject({ tools: [{ name: 'get_weather', input_schema: tools[0].function.parameters }], tool_choice: { type: 'auto' } });
      const completion = JSON.parse(first.body.toString('utf8')) as ChatCompletion;
      schemas.assertValid('CreateChatCompletionResponse', completion);
      const message = completion.choices[0].message;
      expect(completion.choices[0].finish_reason).toBe('tool_calls');
      expect(message.content).toBe('Let me check.');
      const call = message.tool_calls![0];
      expect(call).toEqual({ id: expect.stringMatching(/^toolu_/) as string, type: 'function', function: { name: 'get_weather', arguments: '{"city":"fake"}' } });

      const second = asJson(
        await adapter.chat(
          target,
          chatCall({ tools, messages: [{ role: 'user', content: 'Weather?' }, message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' }] }),
        ),
      );
      expect((upstream.requests[1].body as { messages: unknown[] }).messages.at(-1)).toEqual({
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21C' }],
      });
      const answer = JSON.parse(second.body.toString('utf8')) as ChatCompletion;
      expect(answer.choices[0].message.content).toContain('sunny, 21C');
    });

    it('streams tool-call chunks with index, id and name, then argument fragments', async () => {
      const result = asStream(await adapter.chat(target, chatCall({ tools, stream: true })));
      const chunks = (await readData(result)).slice(0, -1).map((d) => JSON.parse(d) as Chunk);
      for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
      const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      expect(toolDeltas[0]).toEqual({ index: 0, id: expect.stringMatching(/^toolu_/) as string, type: 'function', function: { name: 'get_weather', arguments: '' } });
      expect(toolDeltas.map((t) => t.function?.arguments ?? '').join('')).toBe('{"city":"fake"}');
      expect(chunks.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
      expect(result.stats.finishReasons).toEqual(['tool_calls']);
    });
  });

  it('embeddings are rejected as bad_request without calling the upstream', async () => {
    const err = await upstreamError(adapter.embeddings(target, { body: { input: 'x' }, signal: new AbortController().signal }));
    expect(err.errorClass).toBe('bad_request');
    expect(err.message).toContain('provider does not support embeddings');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a request Anthropic cannot express is rejected as bad_request without calling the upstream', async () => {
    const err = await upstreamError(adapter.chat(target, chatCall({ n: 3 })));
    expect(err.errorClass).toBe('bad_request');
    expect(upstream.requests).toHaveLength(0);
  });

  describe('errors before the first byte', () => {
    it('429 → rate_limited with retry-after', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 429, message: 'Number of request tokens has exceeded your rate limit', headers: { 'retry-after': '3' } }));
      const err = await upstreamError(adapter.chat(target, chatCall({})));
      expect(err).toMatchObject({ errorClass: 'rate_limited', status: 429, retryAfterMs: 3_000, upstreamCode: 'rate_limit_error' });
      expect(err.message).toContain('fake-anthropic');
      expect(err.message).toContain('429');
    });

    it('529 overloaded → server_error', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 529, message: 'Overloaded' }));
      expect(await upstreamError(adapter.chat(target, chatCall({ stream: true })))).toMatchObject({ errorClass: 'server_error', status: 529, upstreamCode: 'overloaded_error' });
    });

    it('500 → server_error', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 500 }));
      expect(await upstreamError(adapter.chat(target, chatCall({})))).toMatchObject({ errorClass: 'server_error', status: 500 });
    });

    it('401 → auth, with an echoed key scrubbed', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 401, message: `invalid x-api-key ${API_KEY}` }));
      expect(await upstreamError(adapter.chat(target, chatCall({})))).toMatchObject({ errorClass: 'auth', status: 401, upstreamCode: 'authentication_error' });
    });

    it("sends the attempt's chosen key as x-api-key, and scrubs every key of the provider from errors", async () => {
      const other = 'sk-ant-second-key-9876543210';
      const keyed: CallTarget = {
        ...target,
        provider: { ...target.provider, keys: [{ index: 0, env: 'A', secret: API_KEY }, { index: 1, env: 'B', secret: other }] },
        credential: other,
      };
      upstream.setBehaviour(() => ({ kind: 'error', status: 401, message: `invalid x-api-key ${other} (not ${API_KEY})` }));
      const err = await upstreamError(adapter.chat(keyed, chatCall({})));
      expect(upstream.requests.at(-1)?.headers['x-api-key']).toBe(other);
      expect(err.message).toContain('invalid x-api-key *** (not ***)');
    });

    it('400 "prompt is too long" → bad_request with upstreamCode context_length_exceeded', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 400, message: 'prompt is too long: 215000 tokens > 200000 maximum' }));
      const err = await upstreamError(adapter.chat(target, chatCall({})));
      expect(err).toMatchObject({ errorClass: 'bad_request', status: 400, upstreamCode: 'context_length_exceeded' });
      expect(err.message).toContain('prompt is too long');
    });

    it('no headers within firstByteMs → timeout, and the upstream request is cancelled', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang' }));
      const before = upstream.abortedCount();
      expect(await upstreamError(adapter.chat(targetFor(upstream.url, { firstByteMs: 200 }), chatCall({})))).toMatchObject({ errorClass: 'timeout' });
      await vi.waitFor(() => expect(upstream.abortedCount()).toBe(before + 1));
    });

    it('connection refused → connection', async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      expect(await upstreamError(adapter.chat(targetFor(`http://127.0.0.1:${port}/v1`), chatCall({})))).toMatchObject({ errorClass: 'connection' });
    });
  });

  describe('errors after the first byte', () => {
    it.each([
      ['overloaded_error', 'server_error'],
      ['rate_limit_error', 'rate_limited'],
      ['api_error', 'server_error'],
    ])('an %s event mid-stream → %s with afterFirstByte', async (type, errorClass) => {
      upstream.setBehaviour(() => ({ kind: 'error-after-chunks', chunks: 3, code: type }));
      const result = asStream(await adapter.chat(target, chatCall({ stream: true })));
      const err = await upstreamError(readData(result));
      expect(err).toMatchObject({ errorClass, afterFirstByte: true, upstreamCode: type });
    });

    it('the socket dropped mid-stream → connection with afterFirstByte', async () => {
      upstream.setBehaviour(() => ({ kind: 'drop-after-chunks', chunks: 3 }));
      const result = asStream(await adapter.chat(target, chatCall({ stream: true })));
      expect(await upstreamError(readData(result))).toMatchObject({ errorClass: 'connection', afterFirstByte: true });
    });

    it('a stall mid-stream → timeout with afterFirstByte', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang-after-chunks', chunks: 3 }));
      const result = asStream(await adapter.chat(targetFor(upstream.url, { firstByteMs: 200 }), chatCall({ stream: true })));
      expect(await upstreamError(readData(result))).toMatchObject({ errorClass: 'timeout', afterFirstByte: true });
    });
  });

  it('the caller aborting mid-stream rejects with its reason and cancels the upstream request', async () => {
    upstream.setBehaviour(() => ({ kind: 'hang-after-chunks', chunks: 3 }));
    const controller = new AbortController();
    const reason = new Error('client disconnected');
    const before = upstream.abortedCount();
    const result = asStream(await adapter.chat(target, chatCall({ stream: true }, { signal: controller.signal })));
    const iterator = result.chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    controller.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
    await vi.waitFor(() => expect(upstream.abortedCount()).toBe(before + 1));
  });
});
