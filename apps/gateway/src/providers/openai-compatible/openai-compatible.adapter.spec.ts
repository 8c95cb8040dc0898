import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { providerConfigSchema, type ModelConfig, type ProviderConfig } from '@switchyard/config';
import { loadOpenAiSchemas, startFakeOpenAiUpstream, type FakeUpstream } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallTarget, ChatCall, JsonResult, StreamResult } from '../provider.adapter.js';
import { SseParser } from '../sse/sse.parser.js';
import { UpstreamError } from '../upstream.error.js';
import { OpenAiCompatibleAdapter } from './openai-compatible.adapter.js';

const API_KEY = 'sk-test-0123456789abcdef-secret';
const schemas = loadOpenAiSchemas();

function targetFor(baseUrl: string, timeouts: Partial<ProviderConfig['timeouts']> = {}): CallTarget {
  // Parsed by the real schema so new provider fields get their defaults here too.
  const provider: ProviderConfig = {
    ...providerConfigSchema.parse({
      name: 'fake-openai',
      protocol: 'openai',
      baseUrl,
      headers: { 'x-team': 'routing' },
      timeouts: { connectMs: 1_000, firstByteMs: 5_000, totalMs: 20_000, ...timeouts },
      maxConnections: 4,
    }),
    apiKey: API_KEY,
  };
  const model: ModelConfig = {
    id: 'gpt-fast',
    provider: 'fake-openai',
    upstreamModel: 'gpt-fast-2026-01',
    kind: 'chat',
    pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 },
    contextWindow: 8_192,
  };
  return { provider, model };
}

function chatCall(body: Record<string, unknown>, overrides: Partial<ChatCall> = {}): ChatCall {
  const stream = body.stream === true;
  return { body: { model: 'gpt-fast', messages: [{ role: 'user', content: 'Hi' }], ...body }, stream, clientWantsUsage: false, signal: new AbortController().signal, ...overrides };
}

function asJson(result: JsonResult | StreamResult): JsonResult {
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return result;
}

function asStream(result: JsonResult | StreamResult): StreamResult {
  if (result.kind !== 'stream') throw new Error('expected a stream result');
  return result;
}

/** Reads a whole stream and splits it into SSE data payloads. */
async function readStream(result: StreamResult): Promise<{ text: string; data: string[] }> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  let text = '';
  const data: string[] = [];
  for await (const chunk of result.chunks) {
    text += decoder.decode(chunk, { stream: true });
    for (const event of parser.push(chunk)) if (event.data !== undefined) data.push(event.data);
  }
  return { text, data };
}

/** Awaits a rejection, checks it is a safe UpstreamError, and returns it. */
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
  expect(error.message).not.toContain('Bearer');
  expect(error.provider).toBe('fake-openai');
  expect(error.model).toBe('gpt-fast');
  return error;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('OpenAiCompatibleAdapter', () => {
  let upstream: FakeUpstream;
  let adapter: OpenAiCompatibleAdapter;
  let target: CallTarget;

  beforeAll(async () => {
    upstream = await startFakeOpenAiUpstream({ text: 'One two three four.' });
    adapter = new OpenAiCompatibleAdapter();
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

  describe('non-stream', () => {
    it('sends the client body with only the model replaced, and returns the upstream JSON with stats', async () => {
      const result = asJson(
        await adapter.chat(target, chatCall({ temperature: 0.2, response_format: { type: 'json_object' }, vendor_extra: { keep: true } })),
      );

      const sent = upstream.requests[0];
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.body).toEqual({
        model: 'gpt-fast-2026-01',
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.2,
        response_format: { type: 'json_object' },
        vendor_extra: { keep: true },
      });
      expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(sent.headers['x-team']).toBe('routing');

      expect(result.status).toBe(200);
      const completion = JSON.parse(result.body.toString('utf8')) as Record<string, unknown>;
      schemas.assertValid('CreateChatCompletionResponse', completion);
      expect(result.stats).toEqual({
        usage: { inputTokens: expect.any(Number) as number, outputTokens: 4 },
        finishReasons: ['stop'],
        responseModel: 'gpt-fast-2026-01',
        responseId: completion.id,
      });
    });

    it('joins the endpoint to a baseUrl with a trailing slash', async () => {
      await adapter.chat(targetFor(`${upstream.url}/`), chatCall({}));
      expect(upstream.requests[0].path).toBe('/v1/chat/completions');
    });
  });

  describe('stream', () => {
    it('forces include_usage upstream, drops the usage chunk the client did not ask for, and ends with one [DONE]', async () => {
      const result = asStream(await adapter.chat(target, chatCall({ stream: true, stream_options: { include_obfuscation: false } })));
      const { text, data } = await readStream(result);

      expect(upstream.requests[0].body).toMatchObject({ stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
      expect(data.at(-1)).toBe('[DONE]');
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: Array<{ delta: { content?: string }; finish_reason: string | null }> });
      for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
      expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
      expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('One two three four.');
      expect(chunks.at(-1)!.choices[0].finish_reason).toBe('stop');

      expect(result.stats.usage).toEqual({ inputTokens: expect.any(Number) as number, outputTokens: 4 });
      expect(result.stats.finishReasons).toEqual(['stop']);
      expect(result.stats.responseModel).toBe('gpt-fast-2026-01');
      expect(result.stats.responseId).toMatch(/^chatcmpl-fake-/);
      expect(result.stats.firstTokenAt).toEqual(expect.any(Number));
    });

    it('keeps the usage chunk, last before [DONE], when the client asked for it', async () => {
      const result = asStream(await adapter.chat(target, chatCall({ stream: true, stream_options: { include_usage: true } }, { clientWantsUsage: true })));
      const { data } = await readStream(result);

      const usageChunk = JSON.parse(data.at(-2)!) as { choices: unknown[]; usage: { completion_tokens: number } };
      expect(usageChunk.choices).toEqual([]);
      expect(usageChunk.usage.completion_tokens).toBe(4);
      expect(data.at(-1)).toBe('[DONE]');
    });
  });

  describe('tools', () => {
    const tools = [
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      },
    ];

    it('round-trips a tool call and its result', async () => {
      const first = asJson(await adapter.chat(target, chatCall({ tools, tool_choice: 'auto' })));
      const completion = JSON.parse(first.body.toString('utf8')) as {
        choices: Array<{ message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> } }>;
      };
      const call = completion.choices[0].message.tool_calls[0];
      expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"fake"}' });
      expect(first.stats.finishReasons).toEqual(['tool_calls']);
      expect(upstream.requests[0].body).toMatchObject({ tools, tool_choice: 'auto' });

      const second = asJson(
        await adapter.chat(
          target,
          chatCall({
            tools,
            messages: [
              { role: 'user', content: 'Weather in Paris?' },
              { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: call.function }] },
              { role: 'tool', tool_call_id: call.id, content: 'sunny, 21C' },
            ],
          }),
        ),
      );
      const answer = JSON.parse(second.body.toString('utf8')) as { choices: Array<{ message: { content: string } }> };
      expect(answer.choices[0].message.content).toContain('sunny, 21C');
    });

    it('streams tool-call deltas through and counts them as the first token', async () => {
      const result = asStream(await adapter.chat(target, chatCall({ tools, stream: true })));
      const { data } = await readStream(result);
      const args = data
        .slice(0, -1)
        .map((d) => JSON.parse(d) as { choices: Array<{ delta: { tool_calls?: Array<{ function?: { arguments?: string } }> } }> })
        .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
        .map((t) => t.function?.arguments ?? '')
        .join('');
      expect(args).toBe('{"city":"fake"}');
      expect(result.stats.finishReasons).toEqual(['tool_calls']);
      expect(result.stats.firstTokenAt).toEqual(expect.any(Number));
    });
  });

  it('embeddings: posts to /embeddings and reports input tokens', async () => {
    const result = await adapter.embeddings(target, { body: { model: 'gpt-fast', input: ['a', 'b'] }, signal: new AbortController().signal });
    expect(upstream.requests[0].path).toBe('/v1/embeddings');
    expect(upstream.requests[0].body).toEqual({ model: 'gpt-fast-2026-01', input: ['a', 'b'] });
    const body = JSON.parse(result.body.toString('utf8')) as { data: unknown[] };
    schemas.assertValid('CreateEmbeddingResponse', body);
    expect(body.data).toHaveLength(2);
    expect(result.stats).toEqual({ usage: { inputTokens: expect.any(Number) as number, outputTokens: 0 }, finishReasons: [], responseModel: 'gpt-fast-2026-01' });
  });

  describe('errors before the first byte', () => {
    it('429 → rate_limited with retry-after seconds', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 429, message: 'Rate limit reached', headers: { 'retry-after': '2' } }));
      const err = await upstreamError(adapter.chat(target, chatCall({})));
      expect(err).toMatchObject({ errorClass: 'rate_limited', status: 429, retryAfterMs: 2_000, afterFirstByte: false });
      expect(err.message).toContain('fake-openai');
      expect(err.message).toContain('429');
      expect(err.message).toContain('Rate limit reached');
    });

    it('429 → retry-after-ms wins over retry-after', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 429, headers: { 'retry-after': '2', 'retry-after-ms': '750' } }));
      expect(await upstreamError(adapter.chat(target, chatCall({})))).toMatchObject({ retryAfterMs: 750 });
    });

    it('500 → server_error', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 500 }));
      expect(await upstreamError(adapter.chat(target, chatCall({ stream: true })))).toMatchObject({ errorClass: 'server_error', status: 500 });
    });

    it('401 → auth, and a key echoed by the upstream is scrubbed', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${API_KEY}.` }));
      const err = await upstreamError(adapter.chat(target, chatCall({})));
      expect(err).toMatchObject({ errorClass: 'auth', status: 401, upstreamCode: 'invalid_api_key' });
      expect(err.message).toContain('Incorrect API key provided: ***');
    });

    it("sends the attempt's chosen key, and scrubs every key of the provider from what the upstream echoes", async () => {
      const other = 'sk-test-second-key-9876543210';
      const keyed: CallTarget = {
        ...target,
        provider: { ...target.provider, keys: [{ index: 0, env: 'A', secret: API_KEY }, { index: 1, env: 'B', secret: other }] },
        credential: other,
      };
      upstream.setBehaviour(() => ({ kind: 'error', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${other}; the first was ${API_KEY}.` }));
      const err = await upstreamError(adapter.chat(keyed, chatCall({})));
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${other}`);
      expect(err.message).toContain('Incorrect API key provided: ***; the first was ***.');
      expect(err.message).not.toContain(other);
      // The same provider without a chosen key still sends its first one.
      upstream.setBehaviour(undefined);
      await adapter.chat({ ...keyed, credential: undefined }, chatCall({}));
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    });

    it('400 context_length_exceeded → bad_request carrying the upstream code', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 8192 tokens." }));
      const err = await upstreamError(adapter.chat(target, chatCall({})));
      expect(err).toMatchObject({ errorClass: 'bad_request', status: 400, upstreamCode: 'context_length_exceeded' });
    });

    it('400 content_filter → content_filter', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 400, code: 'content_filter', message: 'The response was filtered.' }));
      expect(await upstreamError(adapter.chat(target, chatCall({})))).toMatchObject({ errorClass: 'content_filter', status: 400 });
    });

    it('keeps long upstream messages short', async () => {
      upstream.setBehaviour(() => ({ kind: 'error', status: 400, message: 'x'.repeat(5_000) }));
      expect((await upstreamError(adapter.chat(target, chatCall({})))).message.length).toBeLessThan(400);
    });

    it('no headers within firstByteMs → timeout, and the upstream request is cancelled', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang' }));
      const before = upstream.abortedCount();
      const err = await upstreamError(adapter.chat(targetFor(upstream.url, { firstByteMs: 200 }), chatCall({ stream: true })));
      expect(err).toMatchObject({ errorClass: 'timeout', afterFirstByte: false });
      await vi.waitFor(() => expect(upstream.abortedCount()).toBe(before + 1));
    });

    it('connection refused on a closed port → connection', async () => {
      const err = await upstreamError(adapter.chat(targetFor(`http://127.0.0.1:${await closedPort()}/v1`), chatCall({})));
      expect(err).toMatchObject({ errorClass: 'connection', afterFirstByte: false });
      expect(err.status).toBeUndefined();
    });

    it('socket dropped before headers → connection', async () => {
      upstream.setBehaviour(() => ({ kind: 'drop-socket' }));
      expect(await upstreamError(adapter.chat(target, chatCall({})))).toMatchObject({ errorClass: 'connection' });
    });

    it('rejects with the caller signal reason when the caller aborts before headers', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang' }));
      const controller = new AbortController();
      const reason = new Error('client went away');
      const pending = adapter.chat(target, chatCall({ stream: true }, { signal: controller.signal }));
      await vi.waitFor(() => expect(upstream.requests).toHaveLength(1));
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    });
  });

  describe('errors after the first byte', () => {
    it('a stall mid-stream → timeout with afterFirstByte', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang-after-chunks', chunks: 2 }));
      const result = asStream(await adapter.chat(targetFor(upstream.url, { firstByteMs: 200 }), chatCall({ stream: true })));
      expect(await upstreamError(readStream(result))).toMatchObject({ errorClass: 'timeout', afterFirstByte: true });
    });

    it('the socket dropped mid-stream → connection with afterFirstByte', async () => {
      upstream.setBehaviour(() => ({ kind: 'drop-after-chunks', chunks: 2 }));
      const result = asStream(await adapter.chat(target, chatCall({ stream: true })));
      expect(await upstreamError(readStream(result))).toMatchObject({ errorClass: 'connection', afterFirstByte: true });
    });

    it('an error object inside the stream → server_error with afterFirstByte', async () => {
      upstream.setBehaviour(() => ({ kind: 'error-after-chunks', chunks: 2, message: 'The server had an error' }));
      const result = asStream(await adapter.chat(target, chatCall({ stream: true })));
      const err = await upstreamError(readStream(result));
      expect(err).toMatchObject({ errorClass: 'server_error', afterFirstByte: true });
      expect(err.message).toContain('The server had an error');
    });

    it('the total deadline passing mid-stream → timeout with afterFirstByte', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang-after-chunks', chunks: 1 }));
      const result = asStream(await adapter.chat(targetFor(upstream.url, { totalMs: 300 }), chatCall({ stream: true })));
      const err = await upstreamError(readStream(result));
      expect(err).toMatchObject({ errorClass: 'timeout', afterFirstByte: true });
      expect(err.message).toContain('deadline');
    });
  });

  describe('cancellation', () => {
    it('the caller aborting mid-stream rejects with its reason and cancels the upstream request', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang-after-chunks', chunks: 2 }));
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

    it('the consumer stopping early cancels the upstream request', async () => {
      upstream.setBehaviour(() => ({ kind: 'hang-after-chunks', chunks: 2 }));
      const before = upstream.abortedCount();
      const result = asStream(await adapter.chat(target, chatCall({ stream: true })));
      for await (const chunk of result.chunks) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      await vi.waitFor(() => expect(upstream.abortedCount()).toBe(before + 1));
    });

    it('a completed stream does not count as aborted', async () => {
      const before = upstream.abortedCount();
      await readStream(asStream(await adapter.chat(target, chatCall({ stream: true }))));
      await adapter.chat(target, chatCall({}));
      expect(upstream.abortedCount()).toBe(before);
    });
  });
});
