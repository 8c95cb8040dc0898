import { fileURLToPath } from 'node:url';
import { type ModelConfig, type ProviderConfig, modelConfigSchema, providerConfigSchema } from '@switchyard/config';
import { referenceFreeVerdictSchema } from '@switchyard/contracts';
import { loadOpenAiSchemas } from '@switchyard/testing';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallTarget, ChatCall, JsonResult, StreamResult } from '../provider.adapter.js';
import { UpstreamError } from '../upstream.error.js';
import { type FleetRow, type ReplayFleet, ReplayFleetRepository } from './replay-fleet.repository.js';
import { renderRecordedConversation } from './replay-judge.service.js';
import { ReplayAdapter, splitContent, streamWaits } from './replay.adapter.js';

const FLEET_PATH = fileURLToPath(new URL('../../../../../datasets/demo.fleet.jsonl', import.meta.url));

const provider = (fleetPath: string = FLEET_PATH): ProviderConfig => ({
  ...providerConfigSchema.parse({ name: 'replay', protocol: 'replay', fleetFile: 'datasets/demo.fleet.jsonl' }),
  fleetPath,
});
const target = (upstreamModel: string, fleetPath?: string, providerOverrides: Partial<ProviderConfig> = {}): CallTarget => {
  const model: ModelConfig = {
    ...modelConfigSchema.parse({ id: `${upstreamModel}-id`, provider: 'replay', pricing: { inputUsdPerMTok: 1 } }),
    upstreamModel,
  };
  return { model, provider: { ...provider(fleetPath), ...providerOverrides } };
};
const chatCall = (messages: unknown, overrides: Partial<ChatCall> = {}): ChatCall => ({
  body: { model: 'ignored', messages },
  stream: false,
  clientWantsUsage: false,
  signal: new AbortController().signal,
  ...overrides,
});

const asJson = (result: JsonResult | StreamResult): { result: JsonResult; body: ChatCompletion } => {
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return { result, body: JSON.parse(result.body.toString('utf8')) as ChatCompletion };
};
const asStream = (result: JsonResult | StreamResult): StreamResult => {
  if (result.kind !== 'stream') throw new Error('expected a stream result');
  return result;
};
/** The `data:` payloads of an SSE byte stream, in order. */
const readSse = async (chunks: AsyncIterable<Uint8Array>): Promise<string[]> => {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  expect(text.endsWith('\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return event.slice('data: '.length);
    });
};
const parseChunks = (payloads: string[]): ChatCompletionChunk[] => payloads.slice(0, -1).map((p) => JSON.parse(p) as ChatCompletionChunk);
const contentOf = (chunks: ChatCompletionChunk[]): string => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('ReplayAdapter', () => {
  let fleet: ReplayFleet;
  /** A recorded prompt that two models answered differently. */
  let arcRow: FleetRow;
  /** A long recorded answer, which streams in several pieces. */
  let mbppRow: FleetRow;

  beforeAll(async () => {
    fleet = await new ReplayFleetRepository().load(FLEET_PATH);
    const found = fleet.rows.find(
      (r) => r.workload === 'arc-challenge' && r.candidates['gpt-4-1106-preview']?.content !== r.candidates['mistralai--mistral-7b-chat']?.content,
    );
    const long = fleet.rows.find((r) => r.workload === 'mbpp' && (r.candidates['gpt-4-1106-preview']?.content.length ?? 0) > 200);
    if (!found || !long) throw new Error('demo fleet lacks the rows this spec needs');
    arcRow = found;
    mbppRow = long;
  });

  it('answers a recorded prompt with each model’s recorded answer and usage', async () => {
    const adapter = new ReplayAdapter();
    for (const model of ['gpt-4-1106-preview', 'mistralai--mistral-7b-chat']) {
      const recorded = arcRow.candidates[model];
      const before = Math.floor(Date.now() / 1000);
      const { result, body } = asJson(await adapter.chat(target(model), chatCall(arcRow.messages)));

      expect(result.status).toBe(200);
      expect(body).toEqual({
        id: expect.stringMatching(/^chatcmpl-/) as string,
        object: 'chat.completion',
        created: expect.any(Number) as number,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: recorded.content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: recorded.usage.prompt_tokens,
          completion_tokens: recorded.usage.completion_tokens,
          total_tokens: recorded.usage.prompt_tokens + recorded.usage.completion_tokens,
        },
      });
      expect(Number.isInteger(body.created)).toBe(true);
      expect(body.created).toBeGreaterThanOrEqual(before);
      expect(result.stats).toEqual({
        usage: { inputTokens: recorded.usage.prompt_tokens, outputTokens: recorded.usage.completion_tokens },
        finishReasons: ['stop'],
        responseModel: model,
        responseId: body.id,
      });
    }
  });

  it('matches on role and trimmed text, whether content is a string or text parts', async () => {
    const adapter = new ReplayAdapter();
    const prompt = arcRow.messages[0].content;
    const parts = [
      { type: 'text', text: `\n  ${prompt.slice(0, 100)}` },
      { type: 'text', text: `${prompt.slice(100)}  ` },
    ];
    const { body } = asJson(await adapter.chat(target('gpt-4-1106-preview'), chatCall([{ role: 'user', content: parts }])));
    expect(body.choices[0]?.message.content).toBe(arcRow.candidates['gpt-4-1106-preview'].content);

    const asSystem = adapter.chat(target('gpt-4-1106-preview'), chatCall([{ role: 'system', content: prompt }]));
    await expect(asSystem).rejects.toMatchObject({ status: 404, upstreamCode: 'prompt_not_recorded' });
  });

  it('answers and streams in OpenAI’s published response shapes', async () => {
    const schemas = loadOpenAiSchemas();
    const adapter = new ReplayAdapter();
    for (const row of [arcRow, mbppRow]) {
      const { body } = asJson(await adapter.chat(target('claude-v1'), chatCall(row.messages)));
      schemas.assertValid('CreateChatCompletionResponse', body);
      for (const clientWantsUsage of [false, true]) {
        const streamed = asStream(await adapter.chat(target('claude-v1'), chatCall(row.messages, { stream: true, clientWantsUsage })));
        const chunks = parseChunks(await readSse(streamed.chunks));
        for (const chunk of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
        expect(contentOf(chunks)).toBe(row.candidates['claude-v1'].content);
      }
    }
  });

  it('streams the recorded answer as chat.completion.chunk events ending with [DONE], without usage unless asked', async () => {
    const model = 'gpt-4-1106-preview';
    const recorded = mbppRow.candidates[model];
    const result = asStream(await new ReplayAdapter().chat(target(model), chatCall(mbppRow.messages, { stream: true })));
    expect(result.status).toBe(200);

    const payloads = await readSse(result.chunks);
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = parseChunks(payloads);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', id: chunks[0].id, model, created: chunks[0].created });
      expect(chunk).not.toHaveProperty('usage');
      expect(chunk.choices).toHaveLength(1);
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks.length).toBeGreaterThan(4); // role + several content pieces + finish
    expect(contentOf(chunks)).toBe(recorded.content);

    expect(result.stats).toMatchObject({
      usage: { inputTokens: recorded.usage.prompt_tokens, outputTokens: recorded.usage.completion_tokens },
      finishReasons: ['stop'],
      responseModel: model,
      responseId: chunks[0].id,
    });
    expect(result.stats.firstTokenAt).toEqual(expect.any(Number));
  });

  it('ends the stream with a usage chunk (choices: []) when the client asked for it', async () => {
    const model = 'mistralai--mistral-7b-chat';
    const recorded = arcRow.candidates[model];
    const call = chatCall(arcRow.messages, { stream: true, clientWantsUsage: true });
    const result = asStream(await new ReplayAdapter().chat(target(model), call));

    const payloads = await readSse(result.chunks);
    expect(payloads.at(-1)).toBe('[DONE]');
    const chunks = parseChunks(payloads);
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({
      prompt_tokens: recorded.usage.prompt_tokens,
      completion_tokens: recorded.usage.completion_tokens,
      total_tokens: recorded.usage.prompt_tokens + recorded.usage.completion_tokens,
    });
    // Like OpenAI: every earlier chunk carries `usage: null`.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe('stop');
    expect(contentOf(chunks)).toBe(recorded.content);
  });

  it('rejects a prompt that is not in the fleet with a 404 UpstreamError', async () => {
    const call = new ReplayAdapter().chat(target('gpt-4-1106-preview'), chatCall([{ role: 'user', content: 'hi' }]));
    await expect(call).rejects.toBeInstanceOf(UpstreamError);
    await expect(call).rejects.toMatchObject({
      errorClass: 'bad_request',
      status: 404,
      provider: 'replay',
      model: 'gpt-4-1106-preview-id',
      message: expect.stringMatching(/^replay: prompt not in the recorded fleet \(demo\.fleet\.jsonl/) as string,
    });
  });

  it('with unknownPrompt: explain, answers an unrecorded prompt with a notice, billed at estimated tokens', async () => {
    const explaining = target('gpt-4-1106-preview', undefined, { unknownPrompt: 'explain' });
    const adapter = new ReplayAdapter();
    const { body, result } = asJson(await adapter.chat(explaining, chatCall([{ role: 'user', content: 'hi' }])));
    expect(body.choices[0]?.message.content).toMatch(/^\[Switchyard replay\] This prompt is not one of the 300 recorded in demo\.fleet\.jsonl/);
    const notice = body.choices[0]?.message.content ?? '';
    const completion = Math.round(notice.length / 4);
    expect(body.usage).toEqual({ prompt_tokens: 1, completion_tokens: completion, total_tokens: 1 + completion });
    expect(result.stats.usage).toEqual({ inputTokens: 1, outputTokens: completion });

    const streamed = asStream(await adapter.chat(explaining, chatCall([{ role: 'user', content: 'hi' }], { stream: true })));
    const payloads = await readSse(streamed.chunks);
    expect(payloads.at(-1)).toBe('[DONE]');
    expect(contentOf(parseChunks(payloads))).toBe(body.choices[0]?.message.content);

    // A recorded prompt still gets its recording, and an unrecorded model is still an error.
    const recorded = asJson(await adapter.chat(explaining, chatCall(arcRow.messages)));
    expect(recorded.body.choices[0]?.message.content).toBe(arcRow.candidates['gpt-4-1106-preview'].content);
    const unknownModel = target('gpt-5', undefined, { unknownPrompt: 'explain' });
    await expect(adapter.chat(unknownModel, chatCall(arcRow.messages))).rejects.toMatchObject({ status: 404 });
  });

  it('rejects a model the fleet did not record with a 404 UpstreamError', async () => {
    const call = new ReplayAdapter().chat(target('gpt-5'), chatCall(arcRow.messages));
    await expect(call).rejects.toMatchObject({ errorClass: 'bad_request', status: 404, upstreamCode: 'model_not_found' });
    await expect(call).rejects.toThrow(/model "gpt-5" not in fleet/);
    // An Object.prototype member is not a recorded model either.
    await expect(new ReplayAdapter().chat(target('constructor'), chatCall(arcRow.messages))).rejects.toMatchObject({ status: 404 });
  });

  it('rejects a request without messages as a bad request', async () => {
    await expect(new ReplayAdapter().chat(target('gpt-4-1106-preview'), chatCall(undefined))).rejects.toMatchObject({
      errorClass: 'bad_request',
      status: 400,
    });
  });

  it('rejects with the signal’s reason when the call is aborted, before or during a stream', async () => {
    const adapter = new ReplayAdapter();
    const before = new AbortController();
    const reason = new Error('client went away');
    before.abort(reason);
    await expect(adapter.chat(target('gpt-4-1106-preview'), chatCall(arcRow.messages, { signal: before.signal }))).rejects.toBe(reason);

    const during = new AbortController();
    const result = asStream(
      await adapter.chat(target('gpt-4-1106-preview'), chatCall(mbppRow.messages, { stream: true, signal: during.signal })),
    );
    const iterator = result.chunks[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    during.abort(reason);
    await expect(iterator.next()).rejects.toBe(reason);
  });

  it('reads the fleet file once and retries a file that failed to load', async () => {
    const repository = new ReplayFleetRepository();
    const load = vi.spyOn(repository, 'load');
    const adapter = new ReplayAdapter(repository);
    await adapter.chat(target('gpt-4-1106-preview'), chatCall(arcRow.messages));
    await adapter.chat(target('claude-v1'), chatCall(mbppRow.messages));
    expect(load).toHaveBeenCalledTimes(1);

    const missing = target('gpt-4-1106-preview', '/nonexistent/dir/missing.fleet.jsonl');
    for (let i = 0; i < 2; i++) {
      const call = adapter.chat(missing, chatCall(arcRow.messages));
      await expect(call).rejects.toMatchObject({ errorClass: 'server_error', message: 'replay: missing.fleet.jsonl: cannot read the file (ENOENT)' });
    }
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('does not support embeddings', async () => {
    const call = new ReplayAdapter().embeddings(target('gpt-4-1106-preview'));
    await expect(call).rejects.toMatchObject({ errorClass: 'bad_request', message: 'replay provider does not support embeddings' });
  });
});

describe('ReplayAdapter: latency, faults and the simulated judge', () => {
  let fleet: ReplayFleet;
  let row: FleetRow;

  beforeAll(async () => {
    fleet = await new ReplayFleetRepository().load(FLEET_PATH);
    row = fleet.rows.find((r) => r.workload === 'mbpp' && (r.candidates['gpt-4-1106-preview']?.content.length ?? 0) > 200)!;
  });

  /** One provider object for all of a test's calls: its draw streams live as long as it does, as in the gateway. */
  const withOptions = (options: Record<string, unknown>): ((model: string) => CallTarget) => {
    const configured: ProviderConfig = { ...providerConfigSchema.parse({ name: 'replay', protocol: 'replay', fleetFile: 'x', ...options }), fleetPath: FLEET_PATH };
    return (upstreamModel) => ({ ...target(upstreamModel), model: { ...target(upstreamModel).model, id: upstreamModel }, provider: configured });
  };

  it('answers the configured share of calls with the injected status, before reading the prompt', async () => {
    const targetOf = withOptions({ seed: 9, faults: { errorRate: 0.05, status: 503, models: { 'claude-v1': { errorRate: 0.3, status: 429, retryAfterMs: 2_000 } } } });
    const adapter = new ReplayAdapter();
    const outcomes = async (model: string, n: number): Promise<unknown[]> => {
      const seen: unknown[] = [];
      for (let i = 0; i < n; i++) seen.push(await adapter.chat(targetOf(model), chatCall(row.messages)).then(() => 'ok', (err: unknown) => err));
      return seen;
    };
    const gpt4 = await outcomes('gpt-4-1106-preview', 4_000);
    const failed = gpt4.filter((o) => o !== 'ok');
    expect(failed.length / gpt4.length).toBeGreaterThan(0.04);
    expect(failed.length / gpt4.length).toBeLessThan(0.06);
    expect(failed[0]).toBeInstanceOf(UpstreamError);
    expect(failed[0]).toMatchObject({ errorClass: 'server_error', status: 503, upstreamCode: 'injected_fault', retryAfterMs: undefined, model: 'gpt-4-1106-preview' });

    const claude = (await outcomes('claude-v1', 2_000)).filter((o) => o !== 'ok');
    expect(claude.length / 2_000).toBeGreaterThan(0.27);
    expect(claude.length / 2_000).toBeLessThan(0.33);
    expect(claude[0]).toMatchObject({ errorClass: 'rate_limited', status: 429, retryAfterMs: 2_000 });
    // A fault is drawn before the prompt is looked at: an unrecorded prompt can fail the same way.
    const always = withOptions({ faults: { errorRate: 1, status: 500 } });
    await expect(adapter.chat(always('gpt-4-1106-preview'), chatCall([{ role: 'user', content: 'hi' }]))).rejects.toMatchObject({ status: 500 });
  });

  it('ends the latency wait when the caller aborts, streamed or not', async () => {
    const slow = withOptions({ latency: { default: { medianMs: 600_000, p95Ms: 600_000 } } });
    const adapter = new ReplayAdapter();
    const reason = new Error('client went away');

    const plain = new AbortController();
    const waiting = adapter.chat(slow('gpt-4-1106-preview'), chatCall(row.messages, { signal: plain.signal }));
    setImmediate(() => plain.abort(reason));
    await expect(waiting).rejects.toBe(reason);

    const streamed = new AbortController();
    const result = asStream(await adapter.chat(slow('gpt-4-1106-preview'), chatCall(row.messages, { stream: true, signal: streamed.signal })));
    const first = result.chunks[Symbol.asyncIterator]().next();
    setImmediate(() => streamed.abort(reason));
    await expect(first).rejects.toBe(reason);
    expect(result.stats.firstTokenAt).toBeUndefined();
  });

  it('spreads a stream’s latency over time to first token and the later pieces, totalling the call’s latency', () => {
    expect(streamWaits(1_000, 1)).toEqual({ firstMs: 1_000, betweenMs: 0 });
    expect(streamWaits(1_000, 0)).toEqual({ firstMs: 1_000, betweenMs: 0 });
    const { firstMs, betweenMs } = streamWaits(1_000, 4);
    expect(firstMs).toBe(500);
    expect(firstMs + 3 * betweenMs).toBeCloseTo(1_000, 9);
    expect(streamWaits(0, 4)).toEqual({ firstMs: 0, betweenMs: 0 });
  });

  it('answers a judge prompt from a judge model, billed at estimated tokens, and refuses anything else with a 400', async () => {
    const targetOf = withOptions({ judge: { models: ['replay-judge'], noiseRate: 0 } });
    const adapter = new ReplayAdapter();
    const graded = Object.values(row.candidates).find((c) => c.score === 1 && Object.values(row.candidates).every((o) => o.content.trim() !== c.content.trim() || o.score === 1))!;
    const system = 'Reply with a single JSON object and nothing else: {"score": <integer 1-10>, "reason": "<one sentence>"}';
    const user = `[Conversation]\n${renderRecordedConversation(row.messages)}\n\n[Answer to grade]\n${graded.content}\n`;
    const { body, result } = asJson(await adapter.chat(targetOf('replay-judge'), chatCall([{ role: 'system', content: system }, { role: 'user', content: user }])));
    loadOpenAiSchemas().assertValid('CreateChatCompletionResponse', body);
    const reply = body.choices[0]?.message.content ?? '';
    expect(referenceFreeVerdictSchema.parse(JSON.parse(reply)).score).toBe(10);
    expect(body.model).toBe('replay-judge');
    expect(result.stats.usage).toEqual({ inputTokens: Math.round((system.length + user.length) / 4), outputTokens: Math.round(reply.length / 4) });

    const streamed = asStream(await adapter.chat(targetOf('replay-judge'), chatCall([{ role: 'system', content: system }, { role: 'user', content: user }], { stream: true })));
    expect(contentOf(parseChunks(await readSse(streamed.chunks)))).toBe(reply);

    await expect(adapter.chat(targetOf('replay-judge'), chatCall(row.messages))).rejects.toMatchObject({ errorClass: 'bad_request', status: 400, upstreamCode: 'not_a_judge_prompt' });
    // The fleet's own models still replay their recordings on the same provider.
    const { body: replayed } = asJson(await adapter.chat(targetOf('gpt-4-1106-preview'), chatCall(row.messages)));
    expect(replayed.choices[0]?.message.content).toBe(row.candidates['gpt-4-1106-preview'].content);
  });
});

describe('splitContent', () => {
  it('splits into at most n pieces without breaking a code point', () => {
    expect(splitContent('D', 4)).toEqual(['D']);
    expect(splitContent('', 4)).toEqual([]);
    expect(splitContent('abcdefghij', 4)).toEqual(['abc', 'def', 'ghi', 'j']);
    expect(splitContent('😀😀😀', 2).join('')).toBe('😀😀😀');
    expect(splitContent('😀😀😀', 2)).toEqual(['😀😀', '😀']);
  });
});
