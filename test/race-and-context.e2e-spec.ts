import type { SpanRow } from '@switchyard/db';
import type { FakeUpstream } from '@switchyard/testing';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attempt } from '../apps/gateway/src/dispatch/attempt.js';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const FAKE_TEXT = 'Hello from the fake upstream. It answers in several small chunks.';
/** 400 characters: the gateway estimates 100 prompt tokens (4 characters a token). */
const PROMPT = 'abcd'.repeat(100);
const ESTIMATED_PROMPT_TOKENS = 100;
const messages = [{ role: 'user' as const, content: PROMPT }];

const POOL = ['race-fast', 'race-slow', 'ctx-small', 'ctx-same', 'ctx-large', 'retry-a', 'retry-b'];
const PRICES = { 'race-fast': { inputUsdPerMTok: 2, outputUsdPerMTok: 4 }, 'race-slow': { inputUsdPerMTok: 3, outputUsdPerMTok: 6 } };
/** How long a 429 without a usable Retry-After keeps a deployment out of rotation here. */
const RATE_LIMIT_COOLDOWN_MS = 2_000;

const only = (name: string, candidates: string[], rest: Record<string, unknown> = {}): Record<string, unknown> => ({
  rules: [{ name, target: { candidates } }],
  ...rest,
});

const attemptsOf = (span: SpanRow): Attempt[] => span.attempts as Attempt[];

interface Served {
  content: string | null;
  model: string | null;
  spanId: string;
  usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  elapsedMs: number;
}

async function chat(h: GatewayHarness, model: string): Promise<Served> {
  const started = performance.now();
  const { data, response } = await h.client.chat.completions.create({ model, messages }).withResponse();
  return {
    content: data.choices[0]?.message.content ?? null,
    model: response.headers.get('x-switchyard-model'),
    spanId: response.headers.get('x-switchyard-span-id') ?? '',
    usage: data.usage,
    elapsedMs: performance.now() - started,
  };
}

async function chatError(h: GatewayHarness, model: string): Promise<APIError> {
  try {
    await h.client.chat.completions.create({ model, messages });
  } catch (err) {
    if (err instanceof APIError) return err;
    throw err;
  }
  throw new Error(`${model} answered; the test expected an error`);
}

function upstream(h: GatewayHarness, model: string): FakeUpstream {
  const u = h.pool.get(model);
  if (!u) throw new Error(`no pool upstream for ${model}`);
  return u;
}

describe('races, context-length fallback and retries over real HTTP', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({
      pool: POOL,
      poolModels: {
        'race-fast': { pricing: PRICES['race-fast'] },
        'race-slow': { pricing: PRICES['race-slow'] },
        'ctx-small': { contextWindow: 1_000 },
        'ctx-same': { contextWindow: 1_000 },
        'ctx-large': { contextWindow: 100_000 },
      },
      // A 429 cools its deployment for Retry-After, or this long without one; a retry of the same
      // deployment is admitted by the breaker regardless, and only routing skips a cooling deployment.
      liveState: { rateLimitCooldownMs: RATE_LIMIT_COOLDOWN_MS, maxCooldownMs: RATE_LIMIT_COOLDOWN_MS },
      routing: {
        defaultRoute: 'gpt-a',
        routes: {
          race: { rules: [{ name: 'race', target: { candidates: ['race-fast', 'race-slow'], select: { kind: 'race', k: 2 } } }] },
          'ctx-grow': only('small-first', ['ctx-small'], { fallback: { models: ['ctx-same', 'ctx-large'], on: ['server_error', 'context_length'] } }),
          'ctx-strict': only('small-first', ['ctx-small'], { fallback: { models: ['ctx-same', 'ctx-large'] } }),
          retry: only('retry', ['retry-a'], { retries: { max: 2, baseMs: 10, maxMs: 1_000 }, fallback: { models: ['retry-b'] } }),
        },
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  describe('a race of two', () => {
    it('serves the fast leg, aborts the slow one, and charges the span for both', async () => {
      const fast = upstream(h, 'race-fast');
      const slow = upstream(h, 'race-slow');
      slow.setBehaviour(() => ({ kind: 'delay', ms: 300 }));
      const abortedBefore = slow.abortedCount();

      const res = await chat(h, 'race');

      expect(res.model).toBe('race-fast');
      expect(res.content).toBe(FAKE_TEXT);
      expect(fast.requests).toHaveLength(1);
      // The slow upstream got the call and saw it cut off, rather than answering it 300 ms later.
      expect(slow.requests).toHaveLength(1);
      await eventually(() => slow.abortedCount() === abortedBefore + 1 && slow.inFlight() === 0, 2_000, 'the slow leg aborted');
      expect(fast.inFlight()).toBe(0);

      const span = await h.waitForSpan(res.spanId);
      const loserCostUsd = (ESTIMATED_PROMPT_TOKENS * PRICES['race-slow'].inputUsdPerMTok) / 1e6;
      expect(attemptsOf(span)).toEqual([
        { model: 'race-fast', provider: 'fake-race-fast', latencyMs: expect.any(Number) as number, status: 200, race: true },
        { model: 'race-slow', provider: 'fake-race-slow', latencyMs: expect.any(Number) as number, race: true, cancelled: true, costUsd: loserCostUsd },
      ]);
      expect(span).toMatchObject({ status: 'ok', httpStatus: 200, model: 'race-fast', fallbackReason: null });
      // What the winner's usage cost at its prices, plus the loser's prompt.
      expect(span.inputTokens).toBe(res.usage?.prompt_tokens);
      expect(span.outputTokens).toBe(res.usage?.completion_tokens);
      const winnerCostUsd = ((span.inputTokens ?? 0) * PRICES['race-fast'].inputUsdPerMTok + (span.outputTokens ?? 0) * PRICES['race-fast'].outputUsdPerMTok) / 1e6;
      expect(winnerCostUsd).toBeGreaterThan(0);
      expect(span.costUsd).toBeCloseTo(winnerCostUsd + loserCostUsd, 12);
      slow.setBehaviour(undefined);
    });
  });

  describe('a context-length failure', () => {
    const tooLong = { kind: 'error' as const, status: 400, code: 'context_length_exceeded', message: "This model's maximum context length is 1000 tokens." };

    it('with context_length among the triggers: skips a fallback whose window is not larger and serves from the larger one', async () => {
      upstream(h, 'ctx-small').enqueue(tooLong);
      const res = await chat(h, 'ctx-grow');

      expect(res.model).toBe('ctx-large');
      expect(res.content).toBe(FAKE_TEXT);
      expect(upstream(h, 'ctx-small').requests).toHaveLength(1);
      expect(upstream(h, 'ctx-same').requests).toHaveLength(0);
      expect(upstream(h, 'ctx-large').requests).toHaveLength(1);

      const span = await h.waitForSpan(res.spanId);
      expect(span).toMatchObject({ status: 'ok', httpStatus: 200, model: 'ctx-large', fallbackReason: 'context_length' });
      expect(attemptsOf(span)).toEqual([
        {
          model: 'ctx-small',
          provider: 'fake-ctx-small',
          latencyMs: expect.any(Number) as number,
          errorClass: 'bad_request',
          status: 400,
          message: "fake-ctx-small answered HTTP 400: This model's maximum context length is 1000 tokens.",
        },
        { model: 'ctx-same', provider: 'fake-ctx-same', latencyMs: 0, skipped: 'context_window' },
        { model: 'ctx-large', provider: 'fake-ctx-large', latencyMs: expect.any(Number) as number, status: 200 },
      ]);
    });

    it('without context_length among the triggers: the client gets the upstream 400 and its code', async () => {
      const before = POOL.map((m) => upstream(h, m).requests.length);
      upstream(h, 'ctx-small').enqueue(tooLong);
      const err = await chatError(h, 'ctx-strict');

      expect(err.status).toBe(400);
      expect(err.code).toBe('context_length_exceeded');
      expect(err.type).toBe('invalid_request_error');
      const after = POOL.map((m) => upstream(h, m).requests.length);
      expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual(POOL.map((m) => (m === 'ctx-small' ? 1 : 0)));

      const span = await h.waitForSpan(err.headers?.get('x-switchyard-span-id') ?? '');
      expect(span).toMatchObject({ status: 'error', httpStatus: 400, errorClass: 'bad_request', fallbackReason: null });
      expect(attemptsOf(span).map((a) => [a.model, a.errorClass, a.status])).toEqual([['ctx-small', 'bad_request', 400]]);
    });
  });

  describe('retries with Retry-After', () => {
    it('waits out a 429 Retry-After of 0.2 s and serves from the same model', async () => {
      const a = upstream(h, 'retry-a');
      a.enqueue({ kind: 'error', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '0.2' } });
      const res = await chat(h, 'retry');

      expect(res.model).toBe('retry-a');
      expect(res.content).toBe(FAKE_TEXT);
      expect(res.elapsedMs).toBeGreaterThanOrEqual(200);
      expect(a.requests).toHaveLength(2);
      expect(upstream(h, 'retry-b').requests).toHaveLength(0);
      // Epoch-ms stamps on both sides of a 200 ms timer: allow the clocks' 1 ms granularity each.
      expect((a.requests[1]?.receivedAt ?? 0) - (a.requests[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(198);

      const span = await h.waitForSpan(res.spanId);
      expect(span).toMatchObject({ status: 'ok', httpStatus: 200, model: 'retry-a', fallbackReason: null });
      expect(attemptsOf(span).map((x) => [x.model, x.retry, x.errorClass ?? x.status])).toEqual([
        ['retry-a', undefined, 'rate_limited'],
        ['retry-a', 1, 200],
      ]);
    });

    it('retries the same deployment while its 429 cool-down keeps it out of rotation', async () => {
      const a = upstream(h, 'retry-a');
      const sent = a.requests.length;
      // Retry-After: 0 retries at once but is no promise of capacity: the deployment cools for the default time.
      a.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '0' } }, { kind: 'error', status: 429, headers: { 'retry-after': '0' } });
      const res = await chat(h, 'retry');

      expect(res.model).toBe('retry-a');
      expect(a.requests.length - sent).toBe(3);
      expect(upstream(h, 'retry-b').requests).toHaveLength(0);
      const span = await h.waitForSpan(res.spanId);
      expect(attemptsOf(span).map((x) => [x.model, x.retry, x.errorClass ?? x.status])).toEqual([
        ['retry-a', undefined, 'rate_limited'],
        ['retry-a', 1, 'rate_limited'],
        ['retry-a', 2, 200],
      ]);

      // Cooling, yet the retries above went to it; a new request is routed to the fallback meanwhile.
      const admin = await fetch(`${h.baseUrl}/admin/deployments`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const deployments = ((await admin.json()) as { data: { model: string; snapshot?: { available: boolean; cooldownUntil?: number } }[] }).data;
      expect(deployments.find((d) => d.model === 'retry-a')?.snapshot).toMatchObject({ available: false, cooldownUntil: expect.any(Number) as number });
      const next = await chat(h, 'retry');
      expect(next.model).toBe('retry-b');
      expect(a.requests.length - sent).toBe(3);
    });
  });
});
