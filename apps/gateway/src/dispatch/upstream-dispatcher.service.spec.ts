import type * as TimersPromises from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { ModelConfig, ProviderConfig } from '@switchyard/config';
import { evaluationSettingsSchema, type FallbackTrigger, type RetryPolicy } from '@switchyard/contracts';
import { seededRng } from '@switchyard/routing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallTarget, JsonResult, UpstreamUsage } from '../providers/provider.adapter.js';
import { OutboundKeyPool } from '../providers/outbound/outbound-key-pool.service.js';
import { ProviderRegistry } from '../providers/provider.registry.js';
import { UpstreamError, type UpstreamErrorClass } from '../providers/upstream.error.js';
import { DeploymentStateService, type LiveStateOptions } from '../routing/live/deployment-state.service.js';
import type { DispatchPlan } from './dispatch-plan.js';
import { backoffMs, DispatchFailedError, type DispatchSuccess, UpstreamDispatcher } from './upstream-dispatcher.service.js';

// Vitest's fake timers do not reach `node:timers/promises`, where the backoff sleeps: run its sleep on the (faked)
// global clock. An abort still goes through the real one, so the error is exactly what Node throws.
vi.mock('node:timers/promises', async (importOriginal) => {
  const real = await importOriginal<typeof TimersPromises>();
  const sleep = <T>(ms?: number, value?: T, options: { signal?: AbortSignal } = {}): Promise<T> => {
    const { signal } = options;
    if (!vi.isFakeTimers() || signal?.aborted) return real.setTimeout(ms, value, options);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        real.setTimeout(0, value, { signal }).then(resolve, reject);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value as T);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };
  return { ...real, setTimeout: sleep };
});

const silentLogger = { error: (): void => {} };

function target(id: string, model: { contextWindow?: number; inputUsdPerMTok?: number; outputUsdPerMTok?: number } = {}): CallTarget {
  const provider: ProviderConfig = {
    name: `p-${id}`,
    protocol: 'openai',
    baseUrl: 'http://127.0.0.1:1/v1',
    headers: {},
    timeouts: { connectMs: 1_000, firstByteMs: 1_000, totalMs: 10_000 },
    maxConnections: 1,
    unknownPrompt: 'error',
  };
  const config: ModelConfig = {
    id,
    provider: provider.name,
    upstreamModel: id,
    kind: 'chat',
    pricing: { inputUsdPerMTok: model.inputUsdPerMTok ?? 1, outputUsdPerMTok: model.outputUsdPerMTok ?? 2 },
    contextWindow: model.contextWindow ?? 8_192,
  };
  return { model: config, provider };
}

interface PlanInput {
  legs: CallTarget[];
  fallbacks?: CallTarget[];
  fallbackOn?: FallbackTrigger[];
  retries?: Partial<RetryPolicy>;
  inputTokens?: number;
}

const DEFAULT_ON: FallbackTrigger[] = ['rate_limited', 'server_error', 'timeout', 'connection', 'auth'];

function plan(p: PlanInput): DispatchPlan {
  const fallbacks = p.fallbacks ?? [];
  const fallbackOn = p.fallbackOn ?? DEFAULT_ON;
  const retries: RetryPolicy = { max: 0, baseMs: 100, maxMs: 1_000, on: ['rate_limited', 'server_error', 'connection'], ...p.retries };
  return {
    decision: {
      policyVersion: 'v1',
      workload: 'w',
      workloadSource: 'default',
      rule: 'default',
      strategy: p.legs.length > 1 ? 'race' : 'first',
      ranked: [],
      excluded: [],
      chosen: p.legs[0]?.model.id,
      legs: p.legs.map((t) => t.model.id),
      fallbacks: fallbacks.map((t) => t.model.id),
      fallbackOn,
      retries,
      evaluation: evaluationSettingsSchema.parse({}),
    },
    legs: p.legs,
    fallbacks,
    fallbackOn: new Set(fallbackOn),
    retries,
    inputTokens: p.inputTokens ?? 100,
  };
}

/** What one scripted upstream call does; `afterMs` is measured on the (fake) clock from when it was sent. */
type Step =
  | { kind: 'ok'; afterMs?: number; usage?: UpstreamUsage; ignoreAbort?: boolean }
  | { kind: 'fail'; afterMs?: number; errorClass: UpstreamErrorClass; status?: number; retryAfterMs?: number; code?: string; message?: string }
  | { kind: 'hang' };

interface Sent {
  model: string;
  /** Fake-clock ms since the script was made. */
  at: number;
  signal: AbortSignal;
}

const STATUS: Partial<Record<UpstreamErrorClass, number>> = { rate_limited: 429, server_error: 500, bad_request: 400, auth: 401 };

/** Upstreams scripted per model id; a model with no steps left answers 200 at once. */
class ScriptedUpstreams {
  readonly sent: Sent[] = [];
  private readonly steps = new Map<string, Step[]>();
  private readonly t0 = Date.now();

  script(model: string, ...steps: Step[]): this {
    this.steps.set(model, [...(this.steps.get(model) ?? []), ...steps]);
    return this;
  }

  to(model: string): Sent[] {
    return this.sent.filter((s) => s.model === model);
  }

  readonly call = (t: CallTarget, signal: AbortSignal): Promise<JsonResult> => {
    this.sent.push({ model: t.model.id, at: Date.now() - this.t0, signal });
    const step = this.steps.get(t.model.id)?.shift() ?? { kind: 'ok' };
    return new Promise<JsonResult>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        const reason: unknown = signal.reason;
        reject(reason instanceof Error ? reason : new Error(String(reason)));
      };
      if (step.kind !== 'ok' || !step.ignoreAbort) signal.addEventListener('abort', onAbort, { once: true });
      if (step.kind === 'hang') return;
      const settle = (): void => {
        signal.removeEventListener('abort', onAbort);
        if (step.kind === 'ok') resolve(answer(step.usage));
        else reject(upstreamError(t, step));
      };
      if (step.afterMs === undefined) settle();
      else timer = setTimeout(settle, step.afterMs);
    });
  };
}

const answer = (usage?: UpstreamUsage): JsonResult => ({ kind: 'json', status: 200, body: Buffer.from('{}'), stats: { finishReasons: ['stop'], ...(usage ? { usage } : {}) } });

function upstreamError(t: CallTarget, step: Extract<Step, { kind: 'fail' }>): UpstreamError {
  const status = step.status ?? STATUS[step.errorClass];
  return new UpstreamError({
    errorClass: step.errorClass,
    message: step.message ?? `${t.provider.name} answered HTTP ${status ?? '-'}`,
    provider: t.provider.name,
    model: t.model.id,
    status,
    retryAfterMs: step.retryAfterMs,
    upstreamCode: step.code,
  });
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Handlers attached at once, so a rejection that lands while fake timers advance is never unhandled. */
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

function served<T>(s: Settled<T>): T {
  if (!s.ok) throw new Error(`dispatch failed: ${String(s.error)}`);
  return s.value;
}

function failed(s: Settled<unknown>): DispatchFailedError {
  if (s.ok) throw new Error('dispatch served, the test expected it to fail');
  expect(s.error).toBeInstanceOf(DispatchFailedError);
  return s.error as DispatchFailedError;
}

describe('backoffMs', () => {
  it('draws full jitter in [0, min(maxMs, baseMs * 2^retry)] from the rng it is given', () => {
    const rng = seededRng(42);
    const replay = seededRng(42);
    const delays = [0, 1, 2, 3, 4, 5].map((retry) => backoffMs(retry, 100, 1_000, undefined, rng));
    const caps = [100, 200, 400, 800, 1_000, 1_000];
    expect(delays).toEqual(caps.map((cap) => Math.round(replay() * cap)));
    expect(delays).toEqual([60, 90, 341, 536, 175, 527]);
  });

  it('never leaves the cap over many seeded draws, and reaches both of its ends', () => {
    const rng = seededRng(7);
    for (let retry = 0; retry < 6; retry++) {
      const cap = Math.min(500, 40 * 2 ** retry);
      const draws = Array.from({ length: 2_000 }, () => backoffMs(retry, 40, 500, undefined, rng) ?? -1);
      expect(Math.min(...draws)).toBe(0);
      expect(Math.max(...draws)).toBe(cap);
    }
  });

  it('takes a Retry-After up to the cap exactly, without drawing', () => {
    const rng = vi.fn(() => 0.5);
    expect(backoffMs(0, 100, 1_000, 300, rng)).toBe(300);
    expect(backoffMs(3, 100, 1_000, 1_000, rng)).toBe(1_000);
    expect(backoffMs(1, 100, 1_000, 0, rng)).toBe(0);
    expect(rng).not.toHaveBeenCalled();
  });

  it('gives up on a Retry-After over the cap', () => {
    expect(backoffMs(0, 100, 1_000, 1_001, () => 0.5)).toBeUndefined();
  });
});

describe('UpstreamDispatcher.dispatch', () => {
  let up: ScriptedUpstreams;
  let health: DeploymentStateService;
  let dispatcher: UpstreamDispatcher;
  let parent: AbortController;

  /** Counts what reaches the outbound limiter: none of these providers has a ceiling, so nothing may. */
  let limiterCalls: number;
  const useHealth = (options: LiveStateOptions = {}): void => {
    health = new DeploymentStateService(options, silentLogger);
    const limiter = {
      consume: (): Promise<never> => Promise.reject(new Error(`outbound limiter called ${++limiterCalls} times`)),
      adjust: (): Promise<never> => Promise.reject(new Error(`outbound limiter called ${++limiterCalls} times`)),
    };
    dispatcher = new UpstreamDispatcher(new ProviderRegistry([]), health, new OutboundKeyPool(limiter, { redisPrefix: 'unused', rateLimitCooldownMs: 5_000, maxCooldownMs: 300_000 }));
  };
  const run = (p: DispatchPlan): Promise<Settled<DispatchSuccess<JsonResult>>> => settle(dispatcher.dispatch(p, parent.signal, up.call));
  /** Opens a deployment's breaker the way traffic would: failures in a row. */
  const trip = (model: string, failures: number): void => {
    for (let i = 0; i < failures; i++) health.begin(model)?.fail('server_error', { latencyMs: 1 });
    expect(health.get(model)?.breaker).toBe('open');
  };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    limiterCalls = 0;
    up = new ScriptedUpstreams();
    parent = new AbortController();
    useHealth();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    // Without ceilings the key pool must not make a Redis round trip.
    expect(limiterCalls).toBe(0);
  });

  it('serves from the one leg and hands the caller its admission, still in flight', async () => {
    const a = target('a');
    const outcome = served(await run(plan({ legs: [a], fallbacks: [target('b')] })));
    expect(outcome.target).toBe(a);
    expect(outcome.attempts).toEqual([{ model: 'a', provider: 'p-a', latencyMs: 0, status: 200 }]);
    expect(outcome.fallbackReason).toBeUndefined();
    expect(up.sent.map((s) => s.model)).toEqual(['a']);
    expect(health.get('a')).toMatchObject({ inFlight: 1, samples: 0 });
    outcome.lease.succeed({ latencyMs: 12 });
    expect(health.get('a')).toMatchObject({ inFlight: 0, samples: 1, p50Ms: 12 });
  });

  describe('retries', () => {
    it('retries a listed class `max` times with jittered backoff, then falls back', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      up.script('a', { kind: 'fail', errorClass: 'server_error' }, { kind: 'fail', errorClass: 'server_error' }, { kind: 'fail', errorClass: 'server_error' });
      const pending = run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 2, baseMs: 100, maxMs: 1_000, on: ['server_error'] } }));

      // Half of min(maxMs, baseMs * 2^retry): 50 ms, then 100 ms.
      await vi.advanceTimersByTimeAsync(49);
      expect(up.sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(up.sent).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(99);
      expect(up.sent).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      const outcome = served(await pending);

      expect(up.sent.map((s) => [s.model, s.at])).toEqual([
        ['a', 0],
        ['a', 50],
        ['a', 150],
        ['b', 150],
      ]);
      expect(outcome.target.model.id).toBe('b');
      expect(outcome.fallbackReason).toBe('server_error');
      expect(outcome.attempts).toEqual([
        { model: 'a', provider: 'p-a', latencyMs: 0, errorClass: 'server_error', status: 500, message: 'p-a answered HTTP 500' },
        { model: 'a', provider: 'p-a', latencyMs: 0, errorClass: 'server_error', status: 500, message: 'p-a answered HTTP 500', retry: 1 },
        { model: 'a', provider: 'p-a', latencyMs: 0, errorClass: 'server_error', status: 500, message: 'p-a answered HTTP 500', retry: 2 },
        { model: 'b', provider: 'p-b', latencyMs: 0, status: 200 },
      ]);
      // Three failures reached live state; none opened the breaker (5 in a row do).
      expect(health.get('a')).toMatchObject({ samples: 3, errorRate: 1, breaker: 'closed', inFlight: 0 });
    });

    it('waits at most min(maxMs, baseMs * 2^retry): the cap binds once the exponential passes it', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
      up.script('a', { kind: 'fail', errorClass: 'connection' }, { kind: 'fail', errorClass: 'connection' }, { kind: 'fail', errorClass: 'connection' });
      const pending = run(plan({ legs: [target('a')], retries: { max: 3, baseMs: 300, maxMs: 500 } }));
      await vi.advanceTimersByTimeAsync(2_000);
      served(await pending);
      // 300, then min(500, 600), then min(500, 1200).
      expect(up.sent.map((s) => s.at)).toEqual([0, 300, 800, 1_300]);
    });

    it('stops retrying at the first success, on the same deployment', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0);
      up.script('a', { kind: 'fail', errorClass: 'rate_limited' });
      const pending = run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 3 } }));
      await vi.advanceTimersByTimeAsync(0);
      const outcome = served(await pending);
      expect(outcome.target.model.id).toBe('a');
      expect(outcome.fallbackReason).toBeUndefined();
      expect(outcome.attempts.map((a) => [a.model, a.retry, a.status])).toEqual([
        ['a', undefined, 429],
        ['a', 1, 200],
      ]);
      expect(up.to('b')).toEqual([]);
    });

    it('honours a Retry-After under the cap exactly, and draws no jitter', async () => {
      const random = vi.spyOn(Math, 'random');
      up.script('a', { kind: 'fail', errorClass: 'rate_limited', retryAfterMs: 300 });
      const pending = run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 1, baseMs: 10, maxMs: 1_000 } }));
      await vi.advanceTimersByTimeAsync(299);
      expect(up.sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      const outcome = served(await pending);
      expect(up.sent.map((s) => [s.model, s.at])).toEqual([
        ['a', 0],
        ['a', 300],
      ]);
      expect(outcome.target.model.id).toBe('a');
      expect(random).not.toHaveBeenCalled();
    });

    it('skips the wait when Retry-After is over the cap and falls back at once', async () => {
      up.script('a', { kind: 'fail', errorClass: 'rate_limited', retryAfterMs: 1_001 });
      const outcome = served(await run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 2, baseMs: 10, maxMs: 1_000 } })));
      expect(up.sent.map((s) => [s.model, s.at])).toEqual([
        ['a', 0],
        ['b', 0],
      ]);
      expect(outcome.target.model.id).toBe('b');
      expect(outcome.fallbackReason).toBe('rate_limited');
      expect(outcome.attempts.map((a) => [a.model, a.errorClass ?? a.status])).toEqual([
        ['a', 'rate_limited'],
        ['b', 200],
      ]);
      // The 429 took it out of rotation for as long as the upstream asked.
      expect(health.get('a')).toMatchObject({ available: false, breaker: 'closed', cooldownUntil: Date.now() + 1_001 });
    });

    it('does not retry a class missing from retries.on', async () => {
      up.script('a', { kind: 'fail', errorClass: 'server_error' });
      const outcome = served(await run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 3, on: ['rate_limited'] } })));
      expect(up.sent.map((s) => s.model)).toEqual(['a', 'b']);
      expect(outcome.attempts.map((a) => [a.model, a.retry, a.errorClass ?? a.status])).toEqual([
        ['a', undefined, 'server_error'],
        ['b', undefined, 200],
      ]);
    });

    it('never retries a timeout, which retries.on cannot list', async () => {
      up.script('a', { kind: 'fail', errorClass: 'timeout' });
      const s = await run(plan({ legs: [target('a')], retries: { max: 3 } }));
      const err = failed(s);
      expect(up.sent).toHaveLength(1);
      expect(err.clientError).toMatchObject({ status: 504, code: 'upstream_timeout', type: 'timeout_error' });
    });

    it('ends the retries on the failure when the breaker refuses a retry: fallback still keys off that failure', async () => {
      useHealth({ consecutiveFailures: 1 });
      up.script('a', { kind: 'fail', errorClass: 'server_error' });
      const pending = run(plan({ legs: [target('a')], fallbacks: [target('b')], fallbackOn: ['rate_limited'], retries: { max: 2, baseMs: 10 } }));
      await vi.runAllTimersAsync();
      const err = failed(await pending);
      expect(up.sent.map((x) => x.model)).toEqual(['a']);
      expect(err.attempts.map((a) => [a.model, a.retry, a.skipped ?? a.errorClass])).toEqual([
        ['a', undefined, 'server_error'],
        ['a', 1, 'breaker_open'],
      ]);
      // The upstream's 500, not "no upstream available", and no fallback: server_error is not a trigger here.
      expect(err.lastError?.errorClass).toBe('server_error');
      expect(err.clientError).toMatchObject({ status: 502, code: 'upstream_unavailable' });
    });
  });

  describe('fallback', () => {
    it('does not fall back on a bad_request: the client gets the upstream 400 with its code', async () => {
      up.script('a', { kind: 'fail', errorClass: 'bad_request', code: 'invalid_value', message: 'p-a answered HTTP 400: temperature is out of range' });
      const err = failed(await run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 2 } })));
      expect(up.sent.map((s) => s.model)).toEqual(['a']);
      expect(err.attempts).toEqual([
        { model: 'a', provider: 'p-a', latencyMs: 0, errorClass: 'bad_request', status: 400, message: 'p-a answered HTTP 400: temperature is out of range' },
      ]);
      expect(err.clientError).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_value' });
      expect(err.clientError.message).toBe('Upstream rejected the request: a via p-a: bad_request (HTTP 400) - p-a answered HTTP 400: temperature is out of range');
      // The request's fault, not the deployment's.
      expect(health.get('a')).toMatchObject({ samples: 0, errorRate: 0, inFlight: 0 });
    });

    it("falls back only on the plan's triggers", async () => {
      up.script('a', { kind: 'fail', errorClass: 'rate_limited' });
      const err = failed(await run(plan({ legs: [target('a')], fallbacks: [target('b')], fallbackOn: ['server_error'] })));
      expect(up.sent.map((s) => s.model)).toEqual(['a']);
      expect(err.clientError).toMatchObject({ status: 429, code: 'upstream_rate_limited', headers: { 'retry-after': '1' } });
    });

    it.each([
      ['its code', { code: 'context_length_exceeded' }],
      ['its message', { message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens." }],
    ])('on context_length (recognised by %s) moves only to a larger window, recording the smaller ones as skipped', async (_, detail) => {
      up.script('a', { kind: 'fail', errorClass: 'bad_request', ...detail });
      const p = plan({
        legs: [target('a', { contextWindow: 8_192 })],
        fallbacks: [target('same', { contextWindow: 8_192 }), target('smaller', { contextWindow: 4_096 }), target('larger', { contextWindow: 32_768 })],
        fallbackOn: ['server_error', 'context_length'],
      });
      const outcome = served(await run(p));
      expect(outcome.target.model.id).toBe('larger');
      expect(outcome.fallbackReason).toBe('context_length');
      expect(up.sent.map((s) => s.model)).toEqual(['a', 'larger']);
      expect(outcome.attempts[0]?.message).toBe('message' in detail ? detail.message : 'p-a answered HTTP 400');
      expect(outcome.attempts.map((a) => ({ ...a, message: undefined }))).toEqual([
        { model: 'a', provider: 'p-a', latencyMs: 0, errorClass: 'bad_request', status: 400 },
        { model: 'same', provider: 'p-same', latencyMs: 0, skipped: 'context_window' },
        { model: 'smaller', provider: 'p-smaller', latencyMs: 0, skipped: 'context_window' },
        { model: 'larger', provider: 'p-larger', latencyMs: 0, status: 200 },
      ]);
    });

    it('keeps the larger-window rule across the chain: after a second context failure only a still larger window serves', async () => {
      up.script('a', { kind: 'fail', errorClass: 'bad_request', code: 'context_length_exceeded' });
      up.script('mid', { kind: 'fail', errorClass: 'bad_request', code: 'context_length_exceeded' });
      const p = plan({
        legs: [target('a', { contextWindow: 8_192 })],
        fallbacks: [target('mid', { contextWindow: 16_384 }), target('big', { contextWindow: 16_384 }), target('huge', { contextWindow: 200_000 })],
        fallbackOn: ['context_length'],
      });
      const outcome = served(await run(p));
      expect(up.sent.map((s) => s.model)).toEqual(['a', 'mid', 'huge']);
      expect(outcome.attempts.map((a) => [a.model, a.skipped ?? a.errorClass ?? a.status])).toEqual([
        ['a', 'bad_request'],
        ['mid', 'bad_request'],
        ['big', 'context_window'],
        ['huge', 200],
      ]);
    });

    it('without context_length among the triggers, the client gets the upstream 400 and its code', async () => {
      up.script('a', { kind: 'fail', errorClass: 'bad_request', code: 'context_length_exceeded' });
      const err = failed(await run(plan({ legs: [target('a')], fallbacks: [target('larger', { contextWindow: 128_000 })] })));
      expect(up.sent.map((s) => s.model)).toEqual(['a']);
      expect(err.clientError).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' });
    });
  });

  describe('breakers', () => {
    it('records a refused deployment as skipped: breaker_open, without calling it, and the next one serves', async () => {
      trip('a', 5);
      const outcome = served(await run(plan({ legs: [target('a')], fallbacks: [target('b')] })));
      expect(up.sent.map((s) => s.model)).toEqual(['b']);
      expect(outcome.attempts).toEqual([
        { model: 'a', provider: 'p-a', latencyMs: 0, skipped: 'breaker_open' },
        { model: 'b', provider: 'p-b', latencyMs: 0, status: 200 },
      ]);
      // A skip is not an upstream failure.
      expect(outcome.fallbackReason).toBeUndefined();
    });

    it('answers 503 no_available_upstream with Retry-After when every deployment is refused', async () => {
      trip('a', 5);
      trip('b', 5);
      const err = failed(await run(plan({ legs: [target('a')], fallbacks: [target('b')] })));
      expect(up.sent).toEqual([]);
      expect(err.lastError).toBeUndefined();
      expect(err.attempts.map((a) => [a.model, a.skipped])).toEqual([
        ['a', 'breaker_open'],
        ['b', 'breaker_open'],
      ]);
      expect(err.clientError).toMatchObject({ status: 503, type: 'upstream_error', code: 'no_available_upstream', headers: { 'retry-after': '1' } });
      expect(err.clientError.message).toBe('No upstream is available for this request: a via p-a: breaker_open; b via p-b: breaker_open.');
    });
  });

  describe('race', () => {
    const fast = target('fast', { inputUsdPerMTok: 2, outputUsdPerMTok: 4 });
    const slow = target('slow', { inputUsdPerMTok: 3, outputUsdPerMTok: 5 });

    it('serves the faster leg, aborts the slower and records it cancelled at its prompt price', async () => {
      up.script('fast', { kind: 'ok', afterMs: 50, usage: { inputTokens: 900, outputTokens: 40 } });
      up.script('slow', { kind: 'ok', afterMs: 300 });
      const pending = run(plan({ legs: [fast, slow], fallbacks: [target('c')], inputTokens: 1_000 }));
      await vi.advanceTimersByTimeAsync(50);
      const outcome = served(await pending);

      expect(outcome.target).toBe(fast);
      const slowSignal = up.to('slow')[0]?.signal;
      expect(slowSignal?.aborted).toBe(true);
      expect(slowSignal?.reason).toMatchObject({ name: 'RaceLostError' });
      expect(up.to('fast')[0]?.signal.aborted).toBe(false);
      expect(outcome.attempts).toEqual([
        { model: 'fast', provider: 'p-fast', latencyMs: 50, status: 200, race: true },
        // 1,000 prompt tokens at $3 per million.
        { model: 'slow', provider: 'p-slow', latencyMs: 50, race: true, cancelled: true, costUsd: 0.003 },
      ]);
      expect(up.to('c')).toEqual([]);
      // The loser's admission ended without a verdict; the winner's is the caller's to settle.
      expect(health.get('slow')).toMatchObject({ inFlight: 0, samples: 0, errorRate: 0, breaker: 'closed' });
      expect(health.get('fast')).toMatchObject({ inFlight: 1 });
    });

    it('records what a loser that answers anyway cost, from its usage', async () => {
      up.script('fast', { kind: 'ok', afterMs: 50 });
      up.script('slow', { kind: 'ok', afterMs: 80, usage: { inputTokens: 10, outputTokens: 20 }, ignoreAbort: true });
      const pending = run(plan({ legs: [fast, slow], inputTokens: 1_000 }));
      await vi.advanceTimersByTimeAsync(50);
      const outcome = served(await pending);
      expect(outcome.target).toBe(fast);
      await vi.advanceTimersByTimeAsync(30);
      expect(outcome.attempts[1]).toEqual({ model: 'slow', provider: 'p-slow', latencyMs: 80, status: 200, race: true, cancelled: true, costUsd: (10 * 3 + 20 * 5) / 1e6 });
      expect(health.get('slow')).toMatchObject({ inFlight: 0, samples: 0 });
    });

    it('is not failed by a leg that fails while the other succeeds', async () => {
      up.script('fast', { kind: 'fail', errorClass: 'server_error', afterMs: 10 });
      up.script('slow', { kind: 'ok', afterMs: 200 });
      const pending = run(plan({ legs: [fast, slow], fallbacks: [target('c')] }));
      await vi.advanceTimersByTimeAsync(200);
      const outcome = served(await pending);
      expect(outcome.target).toBe(slow);
      expect(outcome.fallbackReason).toBeUndefined();
      expect(outcome.attempts.map((a) => [a.model, a.race, a.errorClass ?? a.status, a.latencyMs])).toEqual([
        ['fast', true, 'server_error', 10],
        ['slow', true, 200, 200],
      ]);
      expect(up.to('c')).toEqual([]);
      expect(health.get('fast')).toMatchObject({ samples: 1, errorRate: 1, inFlight: 0 });
    });

    it('continues down the fallback chain when every leg fails', async () => {
      up.script('fast', { kind: 'fail', errorClass: 'server_error', afterMs: 10 });
      up.script('slow', { kind: 'fail', errorClass: 'rate_limited', afterMs: 20 });
      const pending = run(plan({ legs: [fast, slow], fallbacks: [target('c')] }));
      await vi.advanceTimersByTimeAsync(20);
      const outcome = served(await pending);
      expect(outcome.target.model.id).toBe('c');
      expect(outcome.fallbackReason).toBe('rate_limited');
      expect(up.sent.map((s) => [s.model, s.at])).toEqual([
        ['fast', 0],
        ['slow', 0],
        ['c', 20],
      ]);
      expect(outcome.attempts.map((a) => [a.model, a.race, a.errorClass ?? a.status])).toEqual([
        ['fast', true, 'server_error'],
        ['slow', true, 'rate_limited'],
        ['c', undefined, 200],
      ]);
    });

    it('runs with the legs the breakers admit', async () => {
      trip('fast', 5);
      up.script('slow', { kind: 'ok', afterMs: 30 });
      const pending = run(plan({ legs: [fast, slow] }));
      await vi.advanceTimersByTimeAsync(30);
      const outcome = served(await pending);
      expect(outcome.target).toBe(slow);
      expect(outcome.attempts.map((a) => [a.model, a.skipped ?? a.status])).toEqual([
        ['fast', 'breaker_open'],
        ['slow', 200],
      ]);
    });
  });

  describe('client aborts', () => {
    const reason = new Error('client went away');

    it('propagate the abort reason from a call and leave the breaker untouched', async () => {
      useHealth({ consecutiveFailures: 1 });
      up.script('a', { kind: 'hang' });
      const pending = run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 2 } }));
      await vi.advanceTimersByTimeAsync(100);
      parent.abort(reason);
      const s = await pending;
      expect(s).toEqual({ ok: false, error: reason });
      expect(up.sent.map((x) => x.model)).toEqual(['a']);
      expect(health.get('a')).toMatchObject({ available: true, breaker: 'closed', samples: 0, errorRate: 0, inFlight: 0 });
    });

    it('abort every race leg with the client reason, not as a lost race', async () => {
      useHealth({ consecutiveFailures: 1 });
      up.script('x', { kind: 'hang' });
      up.script('y', { kind: 'hang' });
      const pending = run(plan({ legs: [target('x'), target('y')], fallbacks: [target('b')] }));
      await vi.advanceTimersByTimeAsync(100);
      parent.abort(reason);
      expect(await pending).toEqual({ ok: false, error: reason });
      expect(up.sent.map((x): [string, unknown] => [x.model, x.signal.reason])).toEqual([
        ['x', reason],
        ['y', reason],
      ]);
      for (const model of ['x', 'y']) expect(health.get(model)).toMatchObject({ available: true, breaker: 'closed', samples: 0, inFlight: 0 });
    });

    it('end a retry backoff at once, with the reason as the cause', async () => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      up.script('a', { kind: 'fail', errorClass: 'server_error' });
      const pending = run(plan({ legs: [target('a')], fallbacks: [target('b')], retries: { max: 2, baseMs: 1_000, maxMs: 5_000 } }));
      await vi.advanceTimersByTimeAsync(100);
      parent.abort(reason);
      const s = await pending;
      expect(s.ok).toBe(false);
      expect(s.ok ? undefined : s.error).toMatchObject({ name: 'AbortError', cause: reason });
      expect(up.sent.map((x) => x.model)).toEqual(['a']);
    });
  });
});
