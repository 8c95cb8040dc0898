import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { loadTestEnv, type ModelConfig, type ProviderConfig, type ProviderKey } from '@switchyard/config';
import { evaluationSettingsSchema, type FallbackTrigger } from '@switchyard/contracts';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlidingWindowLimiter } from '../governance/rate-limits/sliding-window.limiter.js';
import { OutboundKeyPool } from '../providers/outbound/outbound-key-pool.service.js';
import type { CallTarget, JsonResult, StreamResult, UpstreamUsage } from '../providers/provider.adapter.js';
import { ProviderRegistry } from '../providers/provider.registry.js';
import { UpstreamError } from '../providers/upstream.error.js';
import { DeploymentStateService } from '../routing/live/deployment-state.service.js';
import type { DispatchPlan } from './dispatch-plan.js';
import { DispatchFailedError, UpstreamDispatcher } from './upstream-dispatcher.service.js';

type Ceilings = { requestsPerMinute?: number; tokensPerMinute?: number };
const secretOf = (provider: string, i: number): string => `sk-${provider}-key-${i}-0123456789`;

function target(id: string, keys: Ceilings[] = [{}], contextWindow = 8_192): CallTarget {
  const list: ProviderKey[] = keys.map((c, index) => ({ index, env: `${id.toUpperCase()}_${index}`, secret: secretOf(id, index), ...c }));
  const provider: ProviderConfig = {
    name: `p-${id}`,
    protocol: 'openai',
    baseUrl: 'http://127.0.0.1:1/v1',
    headers: {},
    timeouts: { connectMs: 1_000, firstByteMs: 1_000, totalMs: 10_000 },
    maxConnections: 1,
    unknownPrompt: 'error',
    apiKey: list[0]?.secret,
    keys: list,
  };
  const model: ModelConfig = { id, provider: provider.name, upstreamModel: id, kind: 'chat', pricing: { inputUsdPerMTok: 1, outputUsdPerMTok: 2 }, contextWindow };
  return { model, provider };
}

function plan(legs: CallTarget[], fallbacks: CallTarget[] = [], extra: Partial<DispatchPlan> = {}): DispatchPlan {
  const fallbackOn: FallbackTrigger[] = ['rate_limited', 'server_error'];
  const retries = { max: 0, baseMs: 100, maxMs: 1_000, on: ['rate_limited' as const] };
  return {
    decision: {
      policyVersion: 'v1',
      workload: 'w',
      workloadSource: 'default',
      rule: 'default',
      strategy: legs.length > 1 ? 'race' : 'first',
      ranked: [],
      excluded: [],
      chosen: legs[0]?.model.id,
      legs: legs.map((t) => t.model.id),
      fallbacks: fallbacks.map((t) => t.model.id),
      fallbackOn,
      retries,
      evaluation: evaluationSettingsSchema.parse({}),
    },
    legs,
    fallbacks,
    fallbackOn: new Set(fallbackOn),
    retries,
    inputTokens: 100,
    ...extra,
  };
}

interface Sent {
  model: string;
  credential: string | undefined;
}

const json = (usage?: UpstreamUsage): JsonResult => ({ kind: 'json', status: 200, body: Buffer.from('{}'), stats: { finishReasons: ['stop'], ...(usage ? { usage } : {}) } });

/** A stream whose usage is known only once its last chunk has been read, as with a real upstream. */
function stream(usage: UpstreamUsage): StreamResult {
  const stats: StreamResult['stats'] = { finishReasons: [] };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('data: {}\n\n');
    yield Buffer.from('data: {}\n\n');
    // The usage chunk arrives a turn later, as the last bytes of the body.
    await new Promise((resolve) => setImmediate(resolve));
    stats.usage = usage;
  }
  return { kind: 'stream', status: 200, chunks: chunks(), stats };
}

const rateLimited = (t: CallTarget, retryAfterMs?: number): UpstreamError =>
  new UpstreamError({ errorClass: 'rate_limited', message: `${t.provider.name} answered HTTP 429`, provider: t.provider.name, model: t.model.id, status: 429, retryAfterMs });

describe('UpstreamDispatcher under outbound limits (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let health: DeploymentStateService;
  let dispatcher: UpstreamDispatcher;
  let sent: Sent[];
  /** Tokens charged in the window, whichever second they landed in. */
  const charged = async (key: string): Promise<number> => (await redis.hvals(key)).reduce((sum, v) => sum + Number(v), 0);

  beforeAll(() => {
    redis = new Redis(loadTestEnv().TEST_REDIS_URL);
  });
  afterAll(() => redis.disconnect());
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    prefix = `outbound-dispatch-${randomBytes(6).toString('hex')}`;
    health = new DeploymentStateService({}, { error: () => undefined });
    dispatcher = new UpstreamDispatcher(new ProviderRegistry([]), health, new OutboundKeyPool(new SlidingWindowLimiter(redis), { redisPrefix: prefix, rateLimitCooldownMs: 5_000, maxCooldownMs: 60_000 }));
    sent = [];
  });
  afterEach(() => vi.restoreAllMocks());

  /** Records what each call was sent with, then answers as `answer` says. */
  const upstream =
    <R extends JsonResult | StreamResult>(answer: (t: CallTarget, n: number) => R | UpstreamError = () => json() as R) =>
    (t: CallTarget): Promise<R> => {
      sent.push({ model: t.model.id, credential: t.credential });
      const outcome = answer(t, sent.length);
      return outcome instanceof UpstreamError ? Promise.reject(outcome) : Promise.resolve(outcome);
    };
  const failure = async (p: Promise<unknown>): Promise<DispatchFailedError> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DispatchFailedError);
    return err as DispatchFailedError;
  };

  it('sends each call with the key the pool chose, records which, and hands the caller the plain target', async () => {
    const a = target('a', [{}, {}]);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await dispatcher.dispatch(plan([a]), new AbortController().signal, upstream()));
    expect(sent.map((s) => s.credential)).toEqual([secretOf('a', 0), secretOf('a', 1), secretOf('a', 0)]);
    expect(outcomes.map((o) => o.attempts[0]?.keyIndex)).toEqual([0, 1, 0]);
    expect(outcomes.every((o) => o.target === a && o.target.credential === undefined)).toBe(true);
  });

  it('records no key index for a single-key provider', async () => {
    const outcome = await dispatcher.dispatch(plan([target('a')]), new AbortController().signal, upstream());
    expect(outcome.attempts).toEqual([{ model: 'a', provider: 'p-a', latencyMs: expect.any(Number) as number, status: 200 }]);
    expect(sent[0]?.credential).toBe(secretOf('a', 0));
  });

  it('skips a deployment with no key to spare and falls back as on a 429, without a verdict on the deployment', async () => {
    const a = target('a', [{ requestsPerMinute: 1 }]);
    const b = target('b');
    (await dispatcher.dispatch(plan([a], [b]), new AbortController().signal, upstream())).lease.succeed({ latencyMs: 1 });
    const outcome = await dispatcher.dispatch(plan([a], [b]), new AbortController().signal, upstream());
    expect(sent.map((s) => s.model)).toEqual(['a', 'b']);
    expect(outcome.target).toBe(b);
    expect(outcome.fallbackReason).toBe('rate_limited');
    // 60 s, or 59 s when a second boundary passed between the two calls (the window counts whole seconds).
    expect(outcome.attempts[0]).toEqual({
      model: 'a',
      provider: 'p-a',
      latencyMs: 0,
      skipped: 'rate_limited',
      message: expect.stringMatching(/^not sent: p-a's outbound requests-per-minute ceiling is reached; room again in (59|60)s$/) as string,
    });
    // Held back here, not refused upstream: a stays in rotation, nothing in flight.
    expect(health.get('a')).toMatchObject({ available: true, inFlight: 0, cooldownUntil: undefined });
  });

  it('answers 429 upstream_capacity with Retry-After when no candidate can be sent', async () => {
    const a = target('a', [{ requestsPerMinute: 1 }, { requestsPerMinute: 1 }]);
    const b = target('b', [{ requestsPerMinute: 1 }]);
    await dispatcher.dispatch(plan([a]), new AbortController().signal, upstream());
    await dispatcher.dispatch(plan([a]), new AbortController().signal, upstream());
    await dispatcher.dispatch(plan([b]), new AbortController().signal, upstream());
    const err = await failure(dispatcher.dispatch(plan([a], [b]), new AbortController().signal, upstream()));
    expect(sent).toHaveLength(3);
    expect(err.attempts.map((x) => [x.model, x.skipped])).toEqual([
      ['a', 'rate_limited'],
      ['b', 'rate_limited'],
    ]);
    expect(err.clientError).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'upstream_capacity' });
    // The soonest key frees up a minute after its call, less any second boundary passed since.
    expect(Number(err.clientError.headers['retry-after'])).toBeGreaterThanOrEqual(58);
    expect(Number(err.clientError.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(err.clientError.message).toContain("every p-a key's outbound requests-per-minute ceiling is reached");
    for (const id of ['a', 'b']) for (const i of [0, 1]) expect(err.clientError.message).not.toContain(secretOf(id, i));
  });

  it('says upstream_rate_limited, with the sooner wait, when an upstream 429 and a held-back candidate mix', async () => {
    const a = target('a');
    const b = target('b', [{ requestsPerMinute: 1 }]);
    await dispatcher.dispatch(plan([b]), new AbortController().signal, upstream());
    const err = await failure(dispatcher.dispatch(plan([a], [b]), new AbortController().signal, upstream((t) => rateLimited(t, 2_500))));
    expect(err.attempts.map((x) => x.skipped ?? x.errorClass)).toEqual(['rate_limited', 'rate_limited']);
    expect(err.clientError).toMatchObject({ status: 429, code: 'upstream_rate_limited', headers: { 'retry-after': '3' } });
  });

  it('cools down only the key an upstream 429 came back on while the provider has another', async () => {
    const a = target('a', [{}, {}]);
    const err = await failure(dispatcher.dispatch(plan([a]), new AbortController().signal, upstream((t) => rateLimited(t, 20_000))));
    expect(err.attempts[0]).toMatchObject({ keyIndex: 0, errorClass: 'rate_limited' });
    expect(health.get('a')).toMatchObject({ available: true, inFlight: 0 });
    // Key 0 sits out: the next two calls go out with key 1.
    await dispatcher.dispatch(plan([a]), new AbortController().signal, upstream());
    await dispatcher.dispatch(plan([a]), new AbortController().signal, upstream());
    expect(sent.map((s) => s.credential)).toEqual([secretOf('a', 0), secretOf('a', 1), secretOf('a', 1)]);
    // Once key 1 is refused too, the deployment cools down until the sooner key is back.
    await failure(dispatcher.dispatch(plan([a]), new AbortController().signal, upstream((t) => rateLimited(t, 40_000))));
    const cooling = health.get('a');
    expect(cooling?.available).toBe(false);
    expect((cooling?.cooldownUntil ?? 0) - Date.now()).toBeLessThanOrEqual(20_000);
    expect((cooling?.cooldownUntil ?? 0) - Date.now()).toBeGreaterThan(15_000);
  });

  it('reserves prompt plus max_tokens and corrects a JSON answer to its usage at once', async () => {
    const a = target('a', [{ tokensPerMinute: 10_000 }]);
    const key = `${prefix}:outbound:p-a:0:tokens`;
    await dispatcher.dispatch(plan([a], [], { maxOutputTokens: 700 }), new AbortController().signal, upstream(() => json({ inputTokens: 90, outputTokens: 30 })));
    await vi.waitFor(async () => expect(await charged(key)).toBe(120));
  });

  it('reserves a default output allowance that fits the context window when max_tokens is unset', async () => {
    const a = target('a', [{ tokensPerMinute: 10_000 }], 400);
    await dispatcher.dispatch(plan([a]), new AbortController().signal, upstream(() => json()));
    // No usage reported: the reservation stands, the prompt plus what the 400-token window leaves.
    expect(await charged(`${prefix}:outbound:p-a:0:tokens`)).toBe(400);
  });

  it('corrects a stream once it has been read to the end', async () => {
    const a = target('a', [{ tokensPerMinute: 10_000 }]);
    const key = `${prefix}:outbound:p-a:0:tokens`;
    const outcome = await dispatcher.dispatch(plan([a], [], { maxOutputTokens: 500 }), new AbortController().signal, upstream(() => stream({ inputTokens: 80, outputTokens: 20 })));
    expect(await charged(key)).toBe(600);
    const result = outcome.result;
    if (result.kind !== 'stream') throw new Error('expected a stream');
    for await (const chunk of result.chunks) void chunk;
    await vi.waitFor(async () => expect(await charged(key)).toBe(100));
  });

  it('keeps the prompt and returns the output reservation when the upstream answers with an error', async () => {
    const a = target('a', [{ tokensPerMinute: 10_000 }]);
    const server = (t: CallTarget): UpstreamError => new UpstreamError({ errorClass: 'server_error', message: 'boom', provider: t.provider.name, model: t.model.id, status: 500 });
    await failure(dispatcher.dispatch(plan([a], [], { maxOutputTokens: 500 }), new AbortController().signal, upstream(server)));
    await vi.waitFor(async () => expect(await charged(`${prefix}:outbound:p-a:0:tokens`)).toBe(100));
  });
});
