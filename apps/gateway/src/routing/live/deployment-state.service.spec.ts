import { describe, expect, it } from 'vitest';
import { type DeploymentLease, DeploymentStateService, type LiveStateEvent, type LiveStateOptions } from './deployment-state.service.js';

const START = 1_700_000_000_000;

const setup = (options: Partial<LiveStateOptions> = {}) => {
  let t = START;
  const errors: string[] = [];
  const state = new DeploymentStateService({ now: () => t, ...options }, { error: (m: string) => errors.push(m) });
  const events: LiveStateEvent[] = [];
  state.onTrip((e) => events.push(e));
  return { state, events, errors, advance: (ms: number) => (t += ms), now: () => t };
};

const lease = (state: DeploymentStateService, model = 'm'): DeploymentLease => {
  const l = state.begin(model);
  if (!l) throw new Error('begin refused a request the test expected it to admit');
  return l;
};

describe('DeploymentStateService reads', () => {
  it('knows nothing of a deployment that has seen no traffic', () => {
    const { state } = setup();
    expect(state.get('m')).toBeUndefined();
    expect(state.all()).toEqual([]);
  });

  it('tracks in-flight requests, latency, TTFT and error rate', () => {
    const { state } = setup();
    const a = lease(state);
    const b = lease(state);
    expect(state.get('m')).toMatchObject({ inFlight: 2, samples: 0, available: true, breaker: 'closed', errorRate: 0 });
    expect(state.get('m')?.p50Ms).toBeUndefined();
    a.succeed({ latencyMs: 200, ttftMs: 80 });
    b.fail('server_error', { latencyMs: 5 });
    const snap = state.get('m');
    expect(snap).toMatchObject({ inFlight: 0, samples: 2, errorRate: 0.5, p50Ms: 200, p95Ms: 200, p99Ms: 200, ttftP95Ms: 80 });
    expect(snap?.cooldownUntil).toBeUndefined();
  });

  it('keeps one snapshot object until something changes', () => {
    const { state, advance } = setup();
    lease(state).succeed({ latencyMs: 100 });
    const first = state.get('m');
    advance(1_000);
    expect(state.get('m')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);

    const l = lease(state);
    const second = state.get('m');
    expect(second).not.toBe(first);
    expect(second?.inFlight).toBe(1);
    l.release();
    expect(state.get('m')?.inFlight).toBe(0);
  });

  it('rebuilds the snapshot when its data leaves the window, with no write', () => {
    const { state, advance } = setup({ windowMs: 60_000 });
    lease(state).succeed({ latencyMs: 100 });
    const before = state.get('m');
    expect(before?.samples).toBe(1);
    advance(61_000);
    const after = state.get('m');
    expect(after).not.toBe(before);
    expect(after).toMatchObject({ samples: 0, errorRate: 0 });
    expect(after?.p50Ms).toBeUndefined();
    expect(state.get('m')).toBe(after);
  });

  it('lists every deployment with its breaker details', () => {
    const { state } = setup();
    lease(state, 'a').succeed({ latencyMs: 10 });
    for (let i = 0; i < 5; i++) lease(state, 'b').fail('auth');
    const all = state.all();
    expect(all.map((d) => d.model)).toEqual(['a', 'b']);
    expect(all[0]).toMatchObject({ snapshot: { available: true, samples: 1 }, breaker: { state: 'closed', opens: 0 } });
    expect(all[1]).toMatchObject({ snapshot: { available: false, breaker: 'open' }, breaker: { state: 'open', opens: 1, lastFailureClass: 'auth', reopensAt: START + 30_000 } });
  });
});

describe('DeploymentStateService leases', () => {
  it('applies exactly one outcome per lease', () => {
    const { state } = setup();
    const l = lease(state);
    l.succeed({ latencyMs: 100 });
    l.fail('server_error');
    l.release();
    l.succeed({ latencyMs: 100 });
    expect(state.get('m')).toMatchObject({ inFlight: 0, samples: 1, errorRate: 0 });
  });

  it('counts a release without outcome neither way', () => {
    const { state } = setup();
    for (let i = 0; i < 10; i++) lease(state).release();
    expect(state.get('m')).toMatchObject({ inFlight: 0, samples: 0, breaker: 'closed' });
    expect(state.all()[0]?.breaker.consecutiveFailures).toBe(0);
  });

  it('frees the half-open probe slot when the probe is aborted', () => {
    const { state, advance } = setup();
    for (let i = 0; i < 5; i++) lease(state).fail('connection');
    advance(30_000);
    const probe = lease(state);
    expect(state.begin('m')).toBeUndefined();
    probe.release();
    expect(state.get('m')).toMatchObject({ breaker: 'half_open', available: true, inFlight: 0 });
  });
});

describe('DeploymentStateService breaker', () => {
  it('opens after five health failures, announces it, and comes back through a probe', () => {
    const { state, events, advance } = setup();
    for (let i = 0; i < 4; i++) lease(state).fail('server_error');
    expect(events).toEqual([]);
    lease(state).fail('timeout', { latencyMs: 30_000 });
    expect(events).toEqual([{ model: 'm', kind: 'breaker_open', until: START + 30_000 }]);
    expect(state.get('m')).toMatchObject({ available: false, breaker: 'open' });
    expect(state.begin('m')).toBeUndefined();

    advance(30_000);
    expect(state.get('m')).toMatchObject({ available: true, breaker: 'half_open' });
    const probe = lease(state);
    expect(state.get('m')).toMatchObject({ available: false, breaker: 'half_open', inFlight: 1 });
    probe.succeed({ latencyMs: 50 });
    expect(state.get('m')).toMatchObject({ available: true, breaker: 'closed', inFlight: 0 });
  });

  it('records the latency of timeouts but not of fast failures', () => {
    const { state } = setup({ consecutiveFailures: 100 });
    lease(state).fail('server_error', { latencyMs: 3 });
    lease(state).fail('connection', { latencyMs: 1 });
    expect(state.get('m')?.p50Ms).toBeUndefined();
    lease(state).fail('timeout', { latencyMs: 20_000 });
    expect(state.get('m')?.p50Ms).toBe(20_000);
  });

  it('takes no verdict from bad requests or content filtering', () => {
    const { state, events } = setup();
    for (let i = 0; i < 20; i++) lease(state).fail(i % 2 ? 'bad_request' : 'content_filter', { latencyMs: 10 });
    expect(state.get('m')).toMatchObject({ available: true, breaker: 'closed', samples: 0, errorRate: 0, inFlight: 0 });
    expect(state.get('m')?.p50Ms).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('lets a health-check lease trip the breaker without touching traffic stats', () => {
    const { state, events } = setup();
    for (let i = 0; i < 5; i++) state.begin('m', { healthCheck: true })?.fail('connection');
    expect(state.get('m')).toMatchObject({ breaker: 'open', samples: 0, errorRate: 0 });
    expect(events.map((e) => e.kind)).toEqual(['breaker_open']);
  });

  it('takes a remote trip without announcing it again, capped at maxCooldownMs', () => {
    const { state, events, advance } = setup({ maxCooldownMs: 60_000 });
    state.forceOpen('m', START + 10_000);
    expect(state.get('m')).toMatchObject({ available: false, breaker: 'open' });
    expect(state.begin('m')).toBeUndefined();
    advance(10_000);
    expect(state.get('m')).toMatchObject({ available: true, breaker: 'half_open' });

    state.forceOpen('n', START + 10 * 60_000);
    expect(state.all().find((d) => d.model === 'n')?.breaker.reopensAt).toBe(START + 10_000 + 60_000);
    expect(events).toEqual([]);
  });
});

describe('DeploymentStateService rate-limit cool-down', () => {
  it('keeps a 429ed deployment out of rotation for Retry-After, without tripping the breaker', () => {
    const { state, events, advance } = setup();
    for (let i = 0; i < 10; i++) lease(state).fail('rate_limited', { retryAfterMs: 2_000 });
    expect(state.get('m')).toMatchObject({ available: false, breaker: 'closed', cooldownUntil: START + 2_000, errorRate: 1, samples: 10 });
    expect(events).toEqual([{ model: 'm', kind: 'cooldown', until: START + 2_000 }]);
    // Routing skips it; a pinned request still goes.
    expect(state.begin('m')).toBeDefined();
    advance(1_999);
    expect(state.get('m')?.available).toBe(false);
    advance(1);
    expect(state.get('m')).toMatchObject({ available: true, breaker: 'closed' });
    expect(state.get('m')?.cooldownUntil).toBeUndefined();
  });

  it('uses the default without a usable Retry-After and caps long ones', () => {
    const { state } = setup({ rateLimitCooldownMs: 5_000, maxCooldownMs: 300_000 });
    lease(state, 'a').fail('rate_limited');
    lease(state, 'b').fail('rate_limited', { retryAfterMs: 0 });
    lease(state, 'c').fail('rate_limited', { retryAfterMs: 24 * 3_600_000 });
    expect(state.get('a')?.cooldownUntil).toBe(START + 5_000);
    expect(state.get('b')?.cooldownUntil).toBe(START + 5_000);
    expect(state.get('c')?.cooldownUntil).toBe(START + 300_000);
  });

  it('announces a running cool-down again only when it grows by a second or more', () => {
    const { state, events, advance } = setup();
    lease(state).fail('rate_limited', { retryAfterMs: 5_000 });
    advance(500);
    lease(state).fail('rate_limited', { retryAfterMs: 5_000 });
    lease(state).fail('rate_limited', { retryAfterMs: 1_000 });
    lease(state).fail('rate_limited', { retryAfterMs: 20_000 });
    expect(events).toEqual([
      { model: 'm', kind: 'cooldown', until: START + 5_000 },
      { model: 'm', kind: 'cooldown', until: START + 20_500 },
    ]);
    expect(state.get('m')?.cooldownUntil).toBe(START + 20_500);
  });

  it('takes a remote cool-down without announcing it, never shortening a longer one', () => {
    const { state, events } = setup();
    state.setCooldown('m', START + 8_000);
    state.setCooldown('m', START + 3_000);
    expect(state.get('m')).toMatchObject({ available: false, cooldownUntil: START + 8_000 });
    lease(state).fail('rate_limited', { retryAfterMs: 8_500 });
    expect(events).toEqual([]);
  });
});

describe('DeploymentStateService listeners', () => {
  it('survives a throwing listener and stops calling an unsubscribed one', () => {
    const { state, errors } = setup();
    const seen: string[] = [];
    const off = state.onTrip((e) => seen.push(e.kind));
    state.onTrip(() => {
      throw new Error('boom');
    });
    lease(state).fail('rate_limited');
    expect(seen).toEqual(['cooldown']);
    expect(errors).toEqual(['live-state listener failed on cooldown for m: boom']);
    off();
    for (let i = 0; i < 5; i++) lease(state).fail('server_error');
    expect(seen).toEqual(['cooldown']);
    expect(state.get('m')?.inFlight).toBe(0);
  });
});
