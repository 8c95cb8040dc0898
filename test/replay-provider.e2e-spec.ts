import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadOpenAiSchemas } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRow, ReplayFleet } from '../apps/gateway/src/providers/replay/replay-fleet.repository.js';
import { loadFleet } from './support/fleet-upstreams.js';
import { type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const FLEET = resolve('datasets/demo.fleet.jsonl');
const GPT4 = 'gpt-4-1106-preview';
const SLOW = 'mistralai--mistral-7b-chat';
const FLAKY = 'claude-v1';
const PRICES = (JSON.parse(readFileSync('datasets/demo.models.json', 'utf8')) as { models: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }> }).models;
const SLOW_MS = 150;

/** The replay provider over real HTTP: recorded answers, streamed or not, an unrecorded prompt, injected latency and faults. */
describe('replay provider through the gateway', () => {
  let h: GatewayHarness;
  let fleet: ReplayFleet;
  let row: FleetRow;
  const schemas = loadOpenAiSchemas();
  const messagesOf = (r: FleetRow) => r.messages.map((m) => ({ role: m.role as 'user', content: m.content }));

  beforeAll(async () => {
    fleet = await loadFleet(FLEET);
    row = fleet.rows.find((r) => r.workload === 'mbpp' && (r.candidates[GPT4]?.content.length ?? 0) > 200)!;
    h = await startGatewayHarness({
      replay: {
        fleetFile: FLEET,
        models: Object.fromEntries([GPT4, SLOW, FLAKY].map((m) => [m, { inputUsdPerMTok: PRICES[m].input_usd_per_mtok, outputUsdPerMTok: PRICES[m].output_usd_per_mtok }])),
        options: {
          seed: 1,
          // A constant latency (p95 = median), so the span's duration has a floor to check.
          latency: { models: { [SLOW]: { medianMs: SLOW_MS, p95Ms: SLOW_MS } } },
          faults: { models: { [FLAKY]: { errorRate: 1, status: 429, retryAfterMs: 3_000 } } },
        },
      },
      routing: { defaultRoute: GPT4, routes: { 'with-fallback': [FLAKY, SLOW] } },
    });
  });

  afterAll(async () => {
    await h.close();
  });

  it('answers a recorded prompt with the called model’s recording and usage, as JSON and as a stream', async () => {
    const recorded = row.candidates[GPT4];
    const { data, response } = await h.client.chat.completions.create({ model: GPT4, messages: messagesOf(row) }).withResponse();
    schemas.assertValid('CreateChatCompletionResponse', data);
    expect(data.choices[0]?.message.content).toBe(recorded.content);
    expect(data.usage).toMatchObject({ prompt_tokens: recorded.usage.prompt_tokens, completion_tokens: recorded.usage.completion_tokens });
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id') ?? '');
    expect(span).toMatchObject({ model: GPT4, inputTokens: recorded.usage.prompt_tokens, outputTokens: recorded.usage.completion_tokens, status: 'ok' });

    const stream = await h.client.chat.completions.create({ model: GPT4, messages: messagesOf(row), stream: true, stream_options: { include_usage: true } });
    let content = '';
    let pieces = 0;
    let usage: unknown;
    for await (const chunk of stream) {
      schemas.assertValid('CreateChatCompletionStreamResponse', chunk);
      if (chunk.choices[0]?.delta.content) pieces++;
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe(recorded.content);
    expect(pieces).toBeGreaterThan(1);
    expect(usage).toMatchObject({ prompt_tokens: recorded.usage.prompt_tokens, completion_tokens: recorded.usage.completion_tokens });
  });

  it('answers an unrecorded prompt with a 404 in the OpenAI envelope', async () => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: GPT4, messages: [{ role: 'user', content: 'not a recorded prompt' }] }),
    });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(404);
    schemas.assertValid('ErrorResponse', body);
    expect(body.error.message).toContain('prompt not in the recorded fleet');
  });

  it('waits the configured latency before answering, streamed or not', async () => {
    for (const stream of [false, true]) {
      const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: SLOW, messages: row.messages, stream }),
      });
      expect(res.status).toBe(200);
      await res.text();
      const span = await h.waitForSpan(res.headers.get('x-switchyard-span-id') ?? '');
      expect(span.status).toBe('ok');
      // A floor only: the configured latency is constant, so the call cannot be faster.
      expect(span.latencyMs).toBeGreaterThanOrEqual(SLOW_MS - 1);
    }
  });

  it('surfaces an injected 429 with its retry-after, and falls back past it on a route with a fallback', async () => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: FLAKY, messages: row.messages }),
    });
    const body = (await res.json()) as { error: { message: string } };
    expect(res.status).toBe(429);
    schemas.assertValid('ErrorResponse', body);
    expect(res.headers.get('retry-after')).toBe('3');

    const { data } = await h.client.chat.completions.create({ model: 'auto', messages: messagesOf(row) }, { headers: { 'x-switchyard-workload': 'with-fallback' } }).withResponse();
    expect(data.choices[0]?.message.content).toBe(row.candidates[SLOW].content);
  });
});
