import type { SpanRow } from '@switchyard/db';
import { type FakeBehaviour, type FakeUpstream, loadOpenAiSchemas } from '@switchyard/testing';
import { APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';

const schemas = loadOpenAiSchemas();
const FAKE_TEXT = 'Hello from the fake upstream. It answers in several small chunks.';
const messages = [{ role: 'user' as const, content: 'hi' }];

/** One entry of GET /admin/deployments, as far as these tests read it. */
interface DeploymentEntry {
  model: string;
  observed: boolean;
  breaker?: { state: string; opens: number; lastFailureClass?: string };
  snapshot?: { available: boolean; breaker: string };
}

interface Outcome {
  ok: boolean;
  model: string | null;
  spanId: string | null;
  error?: string;
}

/** Runs `total` calls with at most `concurrency` in flight. */
async function runBounded<T>(total: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      results[i] = await call(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** One non-streaming call through the openai client; failures become outcomes, so a load run counts them. */
async function chat(h: GatewayHarness, model: string): Promise<Outcome> {
  try {
    const { data, response } = await h.client.chat.completions.create({ model, messages }).withResponse();
    const content = data.choices[0]?.message.content;
    return {
      ok: content === FAKE_TEXT,
      model: response.headers.get('x-switchyard-model'),
      spanId: response.headers.get('x-switchyard-span-id'),
      ...(content === FAKE_TEXT ? {} : { error: `unexpected content ${JSON.stringify(content)}` }),
    };
  } catch (err) {
    return { ok: false, model: null, spanId: null, error: String(err) };
  }
}

/** Every span of `ids`, once the writer has flushed them all. */
async function spansOf(h: GatewayHarness, ids: string[]): Promise<SpanRow[]> {
  await eventually(async () => (await h.spans.countByIds(ids)) === ids.length, 5_000, `${ids.length} spans in Postgres`);
  return h.spans.findByIds(ids);
}

function upstream(h: GatewayHarness, model: string): FakeUpstream {
  const u = h.pool.get(model);
  if (!u) throw new Error(`no pool upstream for ${model}`);
  return u;
}

const chatCalls = (u: FakeUpstream): number => u.requests.filter((r) => r.path.startsWith('/v1/chat/completions')).length;

const excludedAs = (span: SpanRow, model: string, reason: string): boolean => {
  const routing = (span.metadata as { routing?: { excluded?: { model: string; reason: string }[] } } | null)?.routing;
  return routing?.excluded?.some((e) => e.model === model && e.reason === reason) ?? false;
};

/** Three deployments behind one round-robin route whose fallback chain is the other two. */
const spreadRoute = (models: string[]): Record<string, unknown> => ({
  rules: [{ name: 'spread', target: { candidates: models, select: { kind: 'round_robin' } } }],
  fallback: { models },
});

describe('a deployment that answers 500 to every call', () => {
  const POOL = ['r1', 'r2', 'r3'];
  const TOTAL = 1_000;
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({
      pool: POOL,
      routing: { defaultRoute: 'gpt-a', routes: { spread: spreadRoute(POOL) } },
      // Long enough that the breaker stays open for the whole run: no half-open probes to count.
      liveState: { breaker: { consecutiveFailures: 5, failureRate: 0.5, minRequests: 20, cooldownMs: 60_000 } },
    });
    upstream(h, 'r2').setBehaviour(() => ({ kind: 'error', status: 500, message: 'sticky failure' }));
  });
  afterAll(async () => {
    await h.close();
  });

  it('costs clients nothing across 1,000 calls: the fallback serves, and the breaker takes it out of rotation', async () => {
    const outcomes = await runBounded(TOTAL, 20, () => chat(h, 'spread'));

    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes.every((o) => o.model === 'r1' || o.model === 'r3')).toBe(true);

    // Round-robin would have sent it a third of the calls; the breaker opened after 5 failures in a row,
    // plus whatever was already in flight when it did.
    const bad = upstream(h, 'r2');
    expect(bad.requests.length).toBeGreaterThanOrEqual(5);
    expect(bad.requests.length).toBeLessThan(5 + 20);
    // Every call reached exactly one healthy deployment, and the two shared the load.
    const r1 = chatCalls(upstream(h, 'r1'));
    const r3 = chatCalls(upstream(h, 'r3'));
    expect(r1 + r3).toBe(TOTAL);
    expect(Math.min(r1, r3)).toBeGreaterThan(TOTAL * 0.4);

    const spans = await spansOf(h, outcomes.map((o) => o.spanId ?? ''));
    expect(spans.every((s) => s.status === 'ok' && s.httpStatus === 200)).toBe(true);
    // The calls that hit it record the failed attempt and the fallback that served.
    const hitBad = spans.filter((s) => s.attempts.some((a) => a.model === 'r2'));
    expect(hitBad).toHaveLength(bad.requests.length);
    for (const s of hitBad) {
      expect(s.attempts).toEqual([
        expect.objectContaining({ model: 'r2', provider: 'fake-r2', errorClass: 'server_error', status: 500 }),
        expect.objectContaining({ model: s.model, status: 200 }),
      ]);
      expect(s.fallbackReason).toBe('server_error');
    }
    // Once it opened, routing left it out (the span says why) and served in one attempt.
    const skipped = spans.filter((s) => excludedAs(s, 'r2', 'breaker_open'));
    expect(skipped.length).toBeGreaterThan(TOTAL * 0.9);
    expect(skipped.every((s) => s.attempts.length === 1 && s.fallbackReason === null && !hitBad.includes(s))).toBe(true);

    const res = await fetch(`${h.baseUrl}/admin/deployments`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const deployments = ((await res.json()) as { data: DeploymentEntry[] }).data;
    const byModel = new Map(deployments.map((d) => [d.model, d]));
    expect(byModel.get('r2')).toMatchObject({
      observed: true,
      breaker: { state: 'open', opens: 1, lastFailureClass: 'server_error' },
      snapshot: { available: false, breaker: 'open' },
    });
    for (const good of ['r1', 'r3']) expect(byModel.get(good)).toMatchObject({ observed: true, breaker: { state: 'closed', opens: 0 }, snapshot: { available: true } });
  });
});

describe('a deployment that answers 429 with Retry-After: 1', () => {
  const POOL = ['q1', 'q2', 'q3'];
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness({ pool: POOL, routing: { defaultRoute: 'gpt-a', routes: { spread: spreadRoute(POOL) } } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('is left out for the cool-down while the others serve, and gets traffic again after it', async () => {
    const limited = upstream(h, 'q1');
    limited.enqueue({ kind: 'error', status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '1' } });

    // Paced load from 4 workers until q1 is back in rotation; bounded in time and in count.
    const deadline = Date.now() + 4_000;
    const outcomes: Outcome[] = [];
    const cameBack = (): boolean => {
      const first = limited.requests[0];
      return first !== undefined && limited.requests.some((r) => r.receivedAt >= first.receivedAt + 1_000);
    };
    const worker = async (): Promise<void> => {
      while (!cameBack() && Date.now() < deadline && outcomes.length < 2_000) {
        outcomes.push(await chat(h, 'spread'));
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));

    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const t429 = limited.requests[0].receivedAt;
    // Calls already on their way to q1 when the 429 arrived land within moments; after that, silence for the second Retry-After asked for.
    const settled = t429 + 250;
    const coolDownEnd = t429 + 1_000;
    expect(limited.requests.filter((r) => r.receivedAt > settled && r.receivedAt < coolDownEnd)).toEqual([]);
    for (const other of ['q2', 'q3']) {
      expect(upstream(h, other).requests.filter((r) => r.receivedAt > settled && r.receivedAt < coolDownEnd).length).toBeGreaterThan(5);
    }
    // And back in rotation once it ended.
    expect(cameBack()).toBe(true);

    const spans = await spansOf(h, outcomes.map((o) => o.spanId ?? ''));
    const rateLimited = spans.filter((s) => s.attempts.some((a) => a.errorClass === 'rate_limited'));
    expect(rateLimited).toHaveLength(1);
    expect(rateLimited[0].attempts).toEqual([
      expect.objectContaining({ model: 'q1', errorClass: 'rate_limited', status: 429 }),
      expect.objectContaining({ model: rateLimited[0].model, status: 200 }),
    ]);
    expect(rateLimited[0].fallbackReason).toBe('rate_limited');
    expect(spans.filter((s) => excludedAs(s, 'q1', 'cooldown')).length).toBeGreaterThan(10);
  });
});

describe('timeouts and streams', () => {
  const FIRST_BYTE_MS = 300;
  // Covers one loopback fallback call on a busy machine. It also keeps out coarse timers: undici's own
  // headersTimeout/bodyTimeout tick every 499 ms, which made a 300 ms timeout fire after 500-1000 ms.
  const MARGIN_MS = 150;
  let h: GatewayHarness;
  beforeAll(async () => {
    // Every case fails gpt-a on purpose: keep its breaker closed so each case sees a fresh attempt.
    h = await startGatewayHarness({ firstByteMs: FIRST_BYTE_MS, liveState: { breaker: { consecutiveFailures: 1_000, minRequests: 1_000 } } });
    // Warm both deployments' connections, so the timing below measures the timeout and the fallback, not a cold start.
    for (const model of ['gpt-a', 'gpt-b']) await h.client.chat.completions.create({ model, messages });
  });
  afterAll(async () => {
    await h.close();
  });

  it('a hanging upstream times out after firstByteMs and the fallback answers within it plus a margin', async () => {
    h.upstreamA.enqueue({ kind: 'hang' });
    const started = performance.now();
    const { data, response } = await h.client.chat.completions.create({ model: 'with-fallback', messages }).withResponse();
    const elapsed = performance.now() - started;

    schemas.assertValid('CreateChatCompletionResponse', data);
    expect(data.choices[0]?.message.content).toBe(FAKE_TEXT);
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-b');
    expect(elapsed).toBeLessThan(FIRST_BYTE_MS + MARGIN_MS);
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id') ?? '');
    expect(span.attempts).toEqual([
      expect.objectContaining({ model: 'gpt-a', errorClass: 'timeout' }),
      expect.objectContaining({ model: 'gpt-b', status: 200 }),
    ]);
    expect(span.attempts[0].latencyMs).toBeGreaterThanOrEqual(FIRST_BYTE_MS - 5);
    expect(span.fallbackReason).toBe('timeout');
    // The hung call was abandoned, not left open.
    await eventually(() => h.upstreamA.inFlight() === 0, 2_000, 'hung upstream call closed');
  });

  /** Returns how long the client waited for the whole stream. */
  const fallsBackBeforeFirstByte = async (behaviour: FakeBehaviour, errorClass: string): Promise<number> => {
    h.upstreamA.enqueue(behaviour);
    const started = performance.now();
    const { data: stream, response } = await h.client.chat.completions.create({ model: 'with-fallback', messages, stream: true }).withResponse();
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const elapsed = performance.now() - started;

    for (const c of chunks) schemas.assertValid('CreateChatCompletionStreamResponse', c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(FAKE_TEXT);
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-b');
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id') ?? '');
    expect(span).toMatchObject({ status: 'ok', model: 'gpt-b', stream: true, fallbackReason: errorClass });
    expect(span.attempts).toEqual([expect.objectContaining({ model: 'gpt-a', errorClass }), expect.objectContaining({ model: 'gpt-b' })]);
    return elapsed;
  };

  // Nothing has reached the client until the upstream's first body byte, so every one of these can still fall back.
  it.each([
    ['answers 500', { kind: 'error', status: 500 }, 'server_error'],
    ['drops the connection', { kind: 'drop-socket' }, 'connection'],
    ['never answers', { kind: 'hang' }, 'timeout'],
    ['sends an error event as its first event', { kind: 'error-after-chunks', chunks: 0 }, 'server_error'],
    ['drops the connection after its headers', { kind: 'drop-after-chunks', chunks: 0 }, 'connection'],
    ['stalls after its headers', { kind: 'hang-after-chunks', chunks: 0 }, 'timeout'],
  ] as const)('a stream whose upstream %s, before any body byte, falls back to the next model', async (_name, behaviour, errorClass) => {
    await fallsBackBeforeFirstByte(behaviour, errorClass);
  });

  // The gateway's own first-byte timer runs until a stream's first body chunk; undici's bodyTimeout alone would
  // fire on its ~500 ms tick, 750-1000 ms after a stall with firstByteMs 300.
  it('a stream whose upstream stalls after its headers falls back within firstByteMs plus the margin', async () => {
    const elapsed = await fallsBackBeforeFirstByte({ kind: 'hang-after-chunks', chunks: 0 }, 'timeout');
    expect(elapsed).toBeLessThan(FIRST_BYTE_MS + MARGIN_MS);
  });

  it.each([
    ['sends an error event', { kind: 'error-after-chunks', chunks: 3 }, 'server_error'],
    ['drops the connection', { kind: 'drop-after-chunks', chunks: 3 }, 'connection'],
  ] as const)('a stream whose upstream %s after bytes reached the client ends in an error the SDK raises', async (_name, behaviour, errorClass) => {
    h.upstreamA.enqueue(behaviour);
    const { data: stream, response } = await h.client.chat.completions.create({ model: 'with-fallback', messages, stream: true }).withResponse();
    const chunks: ChatCompletionChunk[] = [];
    let raised: unknown;
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch (err) {
      raised = err;
    }

    expect(raised).toBeInstanceOf(APIError);
    expect((raised as APIError).code).toBe('stream_interrupted');
    expect(response.status).toBe(200);
    // The chunks before the failure arrived from gpt-a; nothing was spliced in from another model.
    expect(chunks.length).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-a');
    expect(h.upstreamB.requests.filter((r) => r.receivedAt >= h.upstreamA.requests.at(-1)!.receivedAt)).toEqual([]);
    const span = await h.waitForSpan(response.headers.get('x-switchyard-span-id') ?? '');
    expect(span).toMatchObject({ status: 'error', model: 'gpt-a', stream: true, errorClass });
    expect(span.attempts).toEqual([expect.objectContaining({ model: 'gpt-a', status: 200 })]);
  });
});
