import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadOpenAiSchemas, startFakeAnthropicUpstream, startFakeOpenAiUpstream, type FakeUpstream } from './index.js';

const schemas = loadOpenAiSchemas();

// The real SDK against the fake proves the fake speaks the wire format e2e tests rely on.
describe('fake OpenAI upstream', () => {
  let upstream: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await startFakeOpenAiUpstream({ text: 'alpha beta gamma' });
    client = new OpenAI({ baseURL: upstream.url, apiKey: 'sk-fake', maxRetries: 0 });
  });
  afterAll(() => upstream.close());

  it('answers a schema-valid chat completion and records the request', async () => {
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    schemas.assertValid('CreateChatCompletionResponse', completion);
    expect(completion.choices[0].message.content).toBe('alpha beta gamma');
    expect(upstream.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'm' } });
    expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer sk-fake');
  });

  it('streams several chunks, with the usage chunk only when include_usage is set', async () => {
    const collect = async (includeUsage: boolean): Promise<OpenAI.Chat.Completions.ChatCompletionChunk[]> => {
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const plain = await collect(false);
    for (const chunk of plain) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
    expect(plain.length).toBeGreaterThan(3);
    expect(plain.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('alpha beta gamma');
    expect(plain.some((c) => c.choices.length === 0)).toBe(false);

    const withUsage = await collect(true);
    expect(withUsage.at(-1)!.choices).toEqual([]);
    expect(withUsage.at(-1)!.usage).toMatchObject({ completion_tokens: 3 });
  });

  it('calls the first tool, then answers with the tool result', async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { id: { type: 'integer' } } } } },
    ];
    const first = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Find 1' }], tools });
    const call = first.choices[0].message.tool_calls![0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'lookup', arguments: '{"id":1}' } });
    const second = await client.chat.completions.create({
      model: 'm',
      tools,
      messages: [{ role: 'user', content: 'Find 1' }, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'found it' }],
    });
    expect(second.choices[0].message.content).toContain('found it');
  });

  it('returns deterministic embeddings, in base64 as the SDK requests by default', async () => {
    const a = await client.embeddings.create({ model: 'e', input: ['same', 'other'] });
    const b = await client.embeddings.create({ model: 'e', input: 'same', encoding_format: 'float' });
    schemas.assertValid('CreateEmbeddingResponse', a);
    expect(a.data).toHaveLength(2);
    expect(a.data[0].embedding).toHaveLength(8);
    expect(a.data[0].embedding[0]).toBeCloseTo(b.data[0].embedding[0], 5);
    expect(a.data[0].embedding).not.toEqual(a.data[1].embedding);
  });

  it('plays scripted errors from the queue first, then the responder', async () => {
    upstream.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '1' } });
    upstream.setBehaviour(() => ({ kind: 'error', status: 400, code: 'context_length_exceeded' }));
    const first = await client.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OpenAI.RateLimitError);
    const second = await client.chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(OpenAI.BadRequestError);
    expect((second as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    upstream.setBehaviour(undefined);
  });

  it('answers a delayed call after the delay, and counts one whose client left first as aborted', async () => {
    upstream.enqueue({ kind: 'delay', ms: 150 });
    const started = performance.now();
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(completion.choices[0].message.content).toBe('alpha beta gamma');

    const aborted = upstream.abortedCount();
    upstream.enqueue({ kind: 'delay', ms: 5_000 });
    const gone = new AbortController();
    const call = client.chat.completions.create({ model: 'm', messages: [] }, { signal: gone.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(upstream.inFlight()).toBe(1));
    gone.abort();
    expect(await call).toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expect(upstream.abortedCount()).toBe(aborted + 1));
    expect(upstream.inFlight()).toBe(0);
  });
});

describe('fake Anthropic upstream', () => {
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await startFakeAnthropicUpstream();
  });
  afterAll(() => upstream.close());

  it('answers a Messages API body, and errors in the Anthropic error format', async () => {
    const post = (): Promise<Response> =>
      fetch(`${upstream.url}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'c', max_tokens: 5, messages: [] }) });
    const ok = (await (await post()).json()) as Record<string, unknown>;
    expect(ok).toMatchObject({ type: 'message', role: 'assistant', model: 'c', stop_reason: 'end_turn', content: [{ type: 'text' }] });

    upstream.enqueue({ kind: 'error', status: 529 });
    const overloaded = await post();
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});
