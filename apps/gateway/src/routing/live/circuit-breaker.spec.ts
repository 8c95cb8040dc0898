import { describe, expect, it } from 'vitest';
import { type BreakerPermit, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';

const setup = (options: Partial<CircuitBreakerOptions> = {}): { breaker: CircuitBreaker; advance: (ms: number) => void; now: () => number } => {
  let t = 1_000_000;
  const now = (): number => t;
  return { breaker: new CircuitBreaker({ now, ...options }), advance: (ms) => (t += ms), now };
};

const acquire = (breaker: CircuitBreaker): BreakerPermit => {
  const permit = breaker.tryAcquire();
  if (!permit) throw new Error('breaker refused a request the test expected it to admit');
  return permit;
};

const fail = (breaker: CircuitBreaker, errorClass = 'server_error'): boolean => breaker.onFailure(acquire(breaker), errorClass);
const succeed = (breaker: CircuitBreaker): void => breaker.onSuccess(acquire(breaker));

describe('CircuitBreaker closed -> open', () => {
  it('opens on the fifth failure in a row, and a success in between resets the run', () => {
    const { breaker } = setup();
    for (let i = 0; i < 4; i++) expect(fail(breaker)).toBe(false);
    succeed(breaker);
    for (let i = 0; i < 4; i++) expect(fail(breaker)).toBe(false);
    expect(breaker.state()).toBe('closed');
    expect(fail(breaker, 'timeout')).toBe(true);
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.canAcquire()).toBe(false);
    expect(breaker.snapshot()).toMatchObject({ state: 'open', opens: 1, lastFailureClass: 'timeout', reopensAt: 1_030_000 });
  });

  it('opens on a failure rate above the limit once the window holds minRequests', () => {
    const { breaker } = setup();
    // Two failures then a success: never five in a row, but two thirds fail.
    for (let i = 0; i < 6; i++) {
      expect(fail(breaker)).toBe(false);
      expect(fail(breaker)).toBe(false);
      succeed(breaker);
    }
    expect(fail(breaker)).toBe(false); // 19 requests: not enough to judge
    expect(breaker.state()).toBe('closed');
    expect(fail(breaker)).toBe(true); // 20th
    expect(breaker.state()).toBe('open');
  });

  it('stays closed at exactly the failure rate limit', () => {
    const { breaker } = setup();
    for (let i = 0; i < 20; i++) {
      succeed(breaker);
      fail(breaker);
    }
    expect(breaker.state()).toBe('closed');
  });
});

describe('CircuitBreaker window', () => {
  it('forgets failures that left the window', () => {
    const { breaker, advance } = setup({ windowMs: 60_000, consecutiveFailures: 1_000 });
    for (let i = 0; i < 15; i++) fail(breaker);
    succeed(breaker);
    advance(61_000);
    // 15 old failures are gone: 5 new failures and 15 successes are 25% failing.
    for (let i = 0; i < 15; i++) succeed(breaker);
    for (let i = 0; i < 5; i++) expect(fail(breaker)).toBe(false);
    expect(breaker.state()).toBe('closed');
  });
});

describe('CircuitBreaker open -> half-open -> closed/open', () => {
  const tripped = (options: Partial<CircuitBreakerOptions> = {}): ReturnType<typeof setup> => {
    const s = setup(options);
    for (let i = 0; i < 5; i++) fail(s.breaker);
    expect(s.breaker.state()).toBe('open');
    return s;
  };

  it('turns half-open after the cool-down and admits one probe at a time', () => {
    const { breaker, advance } = tripped();
    advance(29_999);
    expect(breaker.state()).toBe('open');
    expect(breaker.nextChangeAt()).toBe(1_030_000);
    advance(1);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.nextChangeAt()).toBeUndefined();
    const probe = acquire(breaker);
    expect(probe.probe).toBe(true);
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.canAcquire()).toBe(false);
    breaker.release(probe);
    expect(breaker.canAcquire()).toBe(true);
    expect(breaker.snapshot()).toMatchObject({ state: 'half_open', since: 1_030_000, probesInFlight: 0 });
  });

  it('closes on a probe success and starts counting afresh', () => {
    const { breaker, advance } = tripped();
    advance(30_000);
    breaker.onSuccess(acquire(breaker));
    expect(breaker.state()).toBe('closed');
    // The five failures that tripped it are forgotten.
    for (let i = 0; i < 4; i++) expect(fail(breaker)).toBe(false);
    expect(breaker.state()).toBe('closed');
  });

  it('reopens with a fresh cool-down on a probe failure', () => {
    const { breaker, advance } = tripped();
    advance(45_000);
    expect(breaker.onFailure(acquire(breaker), 'connection')).toBe(true);
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot()).toMatchObject({ opens: 2, reopensAt: 1_075_000, lastFailureClass: 'connection', since: 1_045_000 });
  });

  it('admits halfOpenProbes probes concurrently', () => {
    const { breaker, advance } = tripped({ halfOpenProbes: 2 });
    advance(30_000);
    const a = acquire(breaker);
    acquire(breaker);
    expect(breaker.tryAcquire()).toBeUndefined();
    breaker.release(a);
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('ignores outcomes of requests admitted before it opened', () => {
    const { breaker, advance } = setup();
    const early = acquire(breaker);
    const earlier = acquire(breaker);
    for (let i = 0; i < 5; i++) fail(breaker);
    advance(30_000);
    expect(breaker.state()).toBe('half_open');
    breaker.onSuccess(early);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.onFailure(earlier, 'timeout')).toBe(false);
    expect(breaker.state()).toBe('half_open');
    breaker.release(early);
    const probe = acquire(breaker);
    expect(breaker.tryAcquire()).toBeUndefined();
    breaker.onSuccess(probe);
    expect(breaker.state()).toBe('closed');
  });
});

describe('CircuitBreaker.forceOpen', () => {
  it('opens a closed breaker until the given time, then lets a probe through', () => {
    const { breaker, advance, now } = setup();
    breaker.forceOpen(now() + 10_000);
    expect(breaker.state()).toBe('open');
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.snapshot()).toMatchObject({ opens: 1, reopensAt: 1_010_000 });
    advance(10_000);
    expect(breaker.state()).toBe('half_open');
    expect(acquire(breaker).probe).toBe(true);
  });

  it('never shortens an open period and ignores times already past', () => {
    const { breaker, now } = setup();
    for (let i = 0; i < 5; i++) fail(breaker);
    breaker.forceOpen(now() + 1_000);
    expect(breaker.nextChangeAt()).toBe(1_030_000);
    breaker.forceOpen(now() + 40_000);
    expect(breaker.nextChangeAt()).toBe(1_040_000);
    expect(breaker.snapshot().opens).toBe(1);

    const fresh = setup();
    fresh.breaker.forceOpen(fresh.now() - 1);
    expect(fresh.breaker.state()).toBe('closed');
  });

  it('reopens a half-open breaker and voids its probes', () => {
    const { breaker, advance, now } = setup();
    for (let i = 0; i < 5; i++) fail(breaker);
    advance(30_000);
    const probe = acquire(breaker);
    breaker.forceOpen(now() + 5_000);
    breaker.onSuccess(probe);
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot().opens).toBe(2);
  });
});
