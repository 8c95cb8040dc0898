import { loadOpenAiSchemas } from '@switchyard/testing';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('gateway over real HTTP with the openai client', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers a non-streaming call, tags it, and persists its span with tokens and cost within 1 s', async () => {
    const { data, response } = await h.client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, max_tokens: 50 })
      .withResponse();
    schemas.assertValid('CreateChatCompletionResponse', data);
    expect(data.choices[0]?.message.content).toBeTruthy();
    const spanId = response.headers.get('x-switchyard-span-id');
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-a');
    expect(response.headers.get('x-switchyard-policy-version')).toMatch(/^pv_[0-9a-z]{10}[0-9a-f]{16}$/);
    // Only the model name was rewritten on the way up.
    const sent = h.upstreamA.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'upstream-gpt-a', temperature: 0.2, max_tokens: 50 });

    const span = await h.waitForSpan(spanId!, 1_000);
    expect(span).toMatchObject({ model: 'gpt-a', provider: 'fake-a', workload: 'default', status: 'ok', httpStatus: 200, stream: false, requestedModel: 'auto' });
    expect(span.inputTokens).toBe(data.usage?.prompt_tokens);
    expect(span.outputTokens).toBe(data.usage?.completion_tokens);
    expect(span.costUsd).toBeCloseTo(((data.usage?.prompt_tokens ?? 0) * 2 + (data.usage?.completion_tokens ?? 0) * 8) / 1e6, 12);
    expect(span.requestBody).toMatchObject({ messages: [{ role: 'user', content: 'hi' }] });
    expect(span.responseBody).toMatchObject({ choices: [{ message: { content: data.choices[0]?.message.content } }] });
  });

  it('passes vendor-specific fields and every OpenAI parameter through untouched', async () => {
    const body = {
      model: 'gpt-a',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'hello' }] },
      ],
      top_p: 0.9,
      n: 1,
      seed: 7,
      stop: ['\n\n'],
      user: 'u-1',
      metadata: { team: 'search' },
      response_format: { type: 'json_object' },
      guided_json: { type: 'object' },
    };
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const sent = h.upstreamA.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent).toEqual({ ...body, model: 'upstream-gpt-a' });
  });

  it('streams chunks in order, with the usage chunk when asked, then [DONE]', async () => {
    const stream = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'stream please' }], stream: true, stream_options: { include_usage: true } });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const c of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', c);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).length).toBe(1);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
    // Every content chunk precedes the finish chunk, which precedes the usage chunk.
    const finishIndex = chunks.findIndex((c) => c.choices[0]?.finish_reason);
    expect(finishIndex).toBe(chunks.length - 2);
  });

  it('ends the raw SSE body with data: [DONE] and omits the usage chunk when not asked', async () => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'raw stream' }], stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const spanId = res.headers.get('x-switchyard-span-id')!;
    const body = await res.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(body.match(/data: \[DONE\]/g)).toHaveLength(1);
    const events = body.split('\n\n').filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)) as ChatCompletionChunk);
    expect(events.every((e) => e.choices.length > 0)).toBe(true);
    // The gateway still learned usage for the span: it asked the upstream for it.
    expect((h.upstreamA.requests.at(-1)?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    const span = await h.waitForSpan(spanId);
    expect(span.outputTokens).toBeGreaterThan(0);
    expect(span.ttftMs).not.toBeNull();
    expect(span.stream).toBe(true);
  });

  it('round-trips a tool call', async () => {
    const first = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [weatherTool], tool_choice: 'auto' });
    schemas.assertValid('CreateChatCompletionResponse', first);
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('get_weather');
    const second = await h.client.chat.completions.create({
      model: 'auto',
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"temp_c":21}' },
      ],
    });
    expect(second.choices[0]?.message.content).toContain('temp_c');
  });

  it('routes embeddings', async () => {
    const { data, response } = await h.client.embeddings.create({ model: 'auto', input: ['alpha', 'beta'] }).withResponse();
    schemas.assertValid('CreateEmbeddingResponse', data);
    expect(data.data).toHaveLength(2);
    expect(response.headers.get('x-switchyard-model')).toBe('embed');
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id')!);
    expect(span.operation).toBe('embeddings');
    expect(span.inputTokens).toBeGreaterThan(0);
  });

  it('lists models and aliases in the OpenAI shape', async () => {
    const res = await fetch(`${h.baseUrl}/v1/models`);
    const body = (await res.json()) as { data: { id: string }[] };
    schemas.assertValid('ListModelsResponse', body);
    expect(body.data.map((m) => m.id)).toEqual(expect.arrayContaining(['auto', 'with-fallback', 'gpt-a', 'claude', 'embed']));
  });

  it('routes by workload alias and header, falling back to the next model on a 500', async () => {
    h.upstreamA.enqueue({ kind: 'error', status: 500, message: 'boom' });
    const { data, response } = await h.client.chat.completions.create({ model: 'with-fallback', messages: [{ role: 'user', content: 'x' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-b');
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id')!);
    expect(span.workload).toBe('with-fallback');
    expect(span.fallbackReason).toBe('server_error');
    expect(span.attempts).toMatchObject([{ model: 'gpt-a', errorClass: 'server_error', status: 500 }, { model: 'gpt-b' }]);

    const viaHeader = await h.client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-switchyard-workload': 'dead-first' } })
      .withResponse();
    expect(viaHeader.response.headers.get('x-switchyard-model')).toBe('gpt-b');
  });

  it('falls back when a stream fails before its first byte', async () => {
    h.upstreamA.enqueue({ kind: 'error', status: 503 });
    const res = await h.client.chat.completions.create({ model: 'with-fallback', messages: [{ role: 'user', content: 'x' }], stream: true }).withResponse();
    expect(res.response.headers.get('x-switchyard-model')).toBe('gpt-b');
    let text = '';
    for await (const c of res.data) text += c.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
  });

  it('ends a stream that breaks after its first byte with an error the SDK raises', async () => {
    h.upstreamA.enqueue({ kind: 'error-after-chunks', chunks: 2, message: 'upstream fell over' });
    const stream = await h.client.chat.completions.create({ model: 'with-fallback', messages: [{ role: 'user', content: 'x' }], stream: true });
    const seen: ChatCompletionChunk[] = [];
    await expect(async () => {
      for await (const c of stream) seen.push(c);
    }).rejects.toThrow(/stream/i);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('cancels the upstream request when the client disconnects mid-stream, and still records the span', async () => {
    const abortedBefore = h.slow.abortedCount();
    const controller = new AbortController();
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow-model', messages: [{ role: 'user', content: 'long answer' }], stream: true }),
      signal: controller.signal,
    });
    const spanId = res.headers.get('x-switchyard-span-id')!;
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 3) {
      const { value } = await reader.read();
      received += (new TextDecoder().decode(value).match(/data: /g) ?? []).length;
    }
    controller.abort();
    await eventually(() => h.slow.abortedCount() > abortedBefore, 3_000, 'upstream request aborted');
    await eventually(() => h.slow.inFlight() === 0, 3_000, 'upstream settled');
    const span = await h.waitForSpan(spanId, 3_000);
    expect(span.status).toBe('cancelled');
    expect(span.outputTokens).toBeGreaterThanOrEqual(2);
    expect(span.metadata).toMatchObject({ usageEstimated: true });
    expect(span.costUsd).toBeGreaterThan(0);
  });

  it('answers liveness and readiness', async () => {
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    expect((await fetch(`${h.baseUrl}/`)).status).toBe(200);
  });
});
