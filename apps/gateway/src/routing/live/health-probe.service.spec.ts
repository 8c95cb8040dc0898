import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeploymentStateService } from './deployment-state.service.js';
import { type HealthProbeFn, HealthProbeService, type HealthProbeTarget } from './health-probe.service.js';

interface ProbeCall {
  model: string;
  signal: AbortSignal;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A probe whose every call the test settles by hand (or by a default behaviour). */
class FakeProbe {
  readonly calls: ProbeCall[] = [];
  /** What a new call does at once; undefined leaves it pending. */
  behaviour: ((call: ProbeCall) => void) | undefined = (call) => call.resolve();
  /** Reject on abort, as a well-behaved probe does. */
  honoursAbort = true;

  readonly fn: HealthProbeFn = (model, signal) =>
    new Promise<void>((resolve, reject) => {
      const call = { model, signal, resolve, reject };
      this.calls.push(call);
      if (this.honoursAbort) signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
      this.behaviour?.(call);
    });

  count(model: string): number {
    return this.calls.filter((c) => c.model === model).length;
  }
}

const target = (overrides: Partial<HealthProbeTarget> = {}): HealthProbeTarget => ({ provider: 'p', model: 'a', intervalMs: 1_000, timeoutMs: 300, ...overrides });

describe('HealthProbeService', () => {
  let probe: FakeProbe;
  let state: DeploymentStateService;
  let warnings: string[];
  const services: HealthProbeService[] = [];

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    probe = new FakeProbe();
    state = new DeploymentStateService({ now: () => Date.now() }, { error: () => undefined });
    warnings = [];
  });

  afterEach(() => {
    for (const s of services.splice(0)) s.stop();
    vi.useRealTimers();
  });

  const service = (targets: HealthProbeTarget[]): HealthProbeService => {
    const s = new HealthProbeService({ probe: probe.fn, targets }, state, { warn: (m: string) => warnings.push(m) });
    services.push(s);
    s.start();
    return s;
  };

  const breaker = (model = 'a') => state.all().find((d) => d.model === model)?.breaker;

  it('probes each provider every interval and feeds successes to the breaker only', async () => {
    service([target({ provider: 'p1', model: 'a', intervalMs: 1_000 }), target({ provider: 'p2', model: 'b', intervalMs: 2_000 })]);
    await vi.advanceTimersByTimeAsync(999);
    expect(probe.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(3_001);
    expect(probe.count('a')).toBe(4);
    expect(probe.count('b')).toBe(2);
    expect(state.get('a')).toMatchObject({ breaker: 'closed', available: true, samples: 0, inFlight: 0 });
  });

  it('opens the breaker on failing probes, pauses while it is open, and closes it with a probe', async () => {
    probe.behaviour = (call) => call.reject({ errorClass: 'server_error' });
    service([target()]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probe.calls).toHaveLength(5);
    expect(state.get('a')).toMatchObject({ breaker: 'open', available: false });
    expect(breaker()?.lastFailureClass).toBe('server_error');

    // Opened at +5 s with a 30 s cool-down: no probes until +35 s.
    await vi.advanceTimersByTimeAsync(29_999);
    expect(probe.calls).toHaveLength(5);
    probe.behaviour = (call) => call.resolve();
    await vi.advanceTimersByTimeAsync(1);
    expect(probe.calls).toHaveLength(6);
    expect(state.get('a')).toMatchObject({ breaker: 'closed', available: true });
  });

  it('leaves the half-open slot to live traffic when it holds it', async () => {
    for (let i = 0; i < 5; i++) state.begin('a')?.fail('connection');
    // Ticks at +0.5 s, +1.5 s, ...: the breaker half-opens between two of them.
    await vi.advanceTimersByTimeAsync(500);
    service([target()]);
    await vi.advanceTimersByTimeAsync(29_500);
    expect(probe.calls).toHaveLength(0);
    const live = state.begin('a');
    expect(live).toBeDefined();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probe.calls).toHaveLength(0);
    live?.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe.calls).toHaveLength(1);
    expect(state.get('a')?.breaker).toBe('closed');
  });

  it('fails a probe that outlives its timeout as a timeout and aborts it', async () => {
    probe.behaviour = undefined;
    service([target({ intervalMs: 1_000, timeoutMs: 300 })]);
    await vi.advanceTimersByTimeAsync(1_299);
    expect(probe.calls).toHaveLength(1);
    expect(probe.calls[0]?.signal.aborted).toBe(false);
    expect(state.get('a')?.inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(probe.calls[0]?.signal.aborted).toBe(true);
    expect(breaker()).toMatchObject({ lastFailureClass: 'timeout', consecutiveFailures: 1 });
    expect(state.get('a')?.inFlight).toBe(0);
  });

  it('never runs two probes of one provider at once, even when a probe ignores its signal', async () => {
    probe.behaviour = undefined;
    probe.honoursAbort = false;
    service([target({ provider: 'p', model: 'a', intervalMs: 1_000, timeoutMs: 300 }), target({ provider: 'p', model: 'b', intervalMs: 700 })]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probe.calls).toHaveLength(1);
    // It still failed on time, once.
    expect(breaker(probe.calls[0]?.model)).toMatchObject({ lastFailureClass: 'timeout', consecutiveFailures: 1 });
    expect(state.get(probe.calls[0]?.model ?? '')?.inFlight).toBe(0);

    probe.calls[0]?.resolve();
    probe.behaviour = (call) => call.resolve();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe.calls.map((c) => c.model)).toEqual(['b', 'b', 'a']);
    // The late success did not count: the breaker still remembers the timeout.
    expect(breaker(probe.calls[0]?.model)?.lastFailureClass).toBe('timeout');
  });

  it('turns a rate-limited probe into a cool-down, not a breaker failure', async () => {
    probe.behaviour = (call) => call.reject({ errorClass: 'rate_limited', retryAfterMs: 9_000 });
    service([target()]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.get('a')).toMatchObject({ breaker: 'closed', available: false, cooldownUntil: Date.now() + 9_000 });
    expect(breaker()?.consecutiveFailures).toBe(0);
  });

  it('blames the probe function, not the deployment, for a rejection without errorClass', async () => {
    probe.behaviour = (call) => call.reject(new Error('probe bug'));
    service([target()]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warnings).toEqual(['health probe for p/a rejected without an errorClass: probe bug']);
    expect(breaker()).toMatchObject({ consecutiveFailures: 0, state: 'closed' });
    expect(state.get('a')?.inFlight).toBe(0);
  });

  it('clears its timers on stop and aborts the running probe without a verdict', async () => {
    probe.behaviour = undefined;
    const s = service([target({ timeoutMs: 10_000 }), target({ provider: 'q', model: 'b', intervalMs: 3_000 })]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe.calls).toHaveLength(1);
    s.stop();
    await vi.advanceTimersByTimeAsync(0);
    expect(probe.calls[0]?.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    expect(breaker()).toMatchObject({ consecutiveFailures: 0, state: 'closed' });
    expect(breaker()?.lastFailureClass).toBeUndefined();
    expect(state.get('a')?.inFlight).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probe.calls).toHaveLength(1);
  });

  it('does not keep the process alive with its timers', () => {
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    service([target(), target({ provider: 'q', model: 'b' })]);
    const timers = setIntervalSpy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(timers).toHaveLength(2);
    for (const timer of timers) expect(timer.hasRef()).toBe(false);
  });
});
