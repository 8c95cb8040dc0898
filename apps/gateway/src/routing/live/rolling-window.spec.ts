import { describe, expect, it, vi } from 'vitest';
import { RollingWindow } from './rolling-window.js';

/** Deterministic PRNG (mulberry32) so the distributions are the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const exactQuantile = (sorted: number[], q: number): number => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? Number.NaN;

/** Array elements, typed-array slots and map entries reachable from a value: a stand-in for its memory. */
function footprint(root: unknown): number {
  const seen = new WeakSet<object>();
  const walk = (value: unknown): number => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return 0;
    seen.add(value);
    if (ArrayBuffer.isView(value)) return (value as Uint32Array).length;
    if (value instanceof Map) {
      let n = value.size;
      for (const v of value.values()) n += walk(v);
      return n;
    }
    if (Array.isArray(value)) return value.length + value.reduce((n: number, v: unknown) => n + walk(v), 0);
    return Object.values(value).reduce((n: number, v: unknown) => n + walk(v), 0);
  };
  return walk(root);
}

const clock = (start = 1_000_000): { now: () => number; advance: (ms: number) => void } => {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
};

describe('RollingWindow quantiles', () => {
  const cases: { name: string; sample: (r: () => number) => number }[] = [
    { name: 'uniform 1 ms .. 10 s', sample: (r) => 1 + r() * 9_999 },
    // Log-normal around 800 ms, the usual shape of LLM latencies.
    { name: 'log-normal', sample: (r) => Math.exp(Math.log(800) + 0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())) },
    { name: 'bimodal (cache hits and misses)', sample: (r) => (r() < 0.7 ? 40 + r() * 20 : 2_000 + r() * 3_000) },
  ];

  for (const { name, sample } of cases) {
    it(`stays within 5% of the exact quantiles: ${name}`, () => {
      const c = clock();
      const window = new RollingWindow({ now: c.now });
      const r = random(42);
      const values: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        const v = sample(r);
        values.push(v);
        window.recordLatency(v);
      }
      values.sort((a, b) => a - b);
      for (const q of [0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1]) {
        const exact = exactQuantile(values, q);
        const estimate = window.quantile(q);
        expect(estimate, `q=${q}`).toBeDefined();
        expect(Math.abs((estimate ?? 0) - exact) / exact, `q=${q}: ${estimate} vs ${exact}`).toBeLessThan(0.05);
      }
      expect(window.latencyCount()).toBe(20_000);
    });
  }

  it('is exact for a single repeated value and clamps to the observed range', () => {
    const window = new RollingWindow({ now: clock().now });
    for (let i = 0; i < 10; i++) window.recordLatency(123);
    expect(window.quantile(0.5)).toBe(123);
    expect(window.quantile(0.99)).toBe(123);
    window.recordLatency(0.2);
    expect(window.quantile(0)).toBe(0.2);
    window.recordLatency(3_600_000);
    expect(window.quantile(1)).toBe(3_600_000);
  });

  it('is undefined while the window holds no latency', () => {
    const window = new RollingWindow({ now: clock().now });
    expect(window.quantile(0.5)).toBeUndefined();
    window.recordOutcome('ok');
    expect(window.quantile(0.5)).toBeUndefined();
  });

  it('computes a quantile once per change, however often it is read', () => {
    const window = new RollingWindow({ now: clock().now });
    const compute = vi.spyOn(window as unknown as { computeQuantile: (q: number) => number | undefined }, 'computeQuantile');
    for (let i = 1; i <= 100; i++) window.recordLatency(i);
    for (let i = 0; i < 1_000; i++) window.quantile(0.95);
    expect(compute).toHaveBeenCalledTimes(1);
    expect(window.quantile(0.95)).toBeCloseTo(95, -1);
    window.recordLatency(5_000);
    window.quantile(0.95);
    expect(compute).toHaveBeenCalledTimes(2);
  });
});

describe('RollingWindow expiry', () => {
  it('drops buckets as the clock moves past the window, one bucket at a time', () => {
    const c = clock(0);
    const window = new RollingWindow<'timeout'>({ now: c.now, windowMs: 60_000, buckets: 12 });
    for (let i = 0; i < 10; i++) window.recordLatency(100);
    window.recordOutcome('ok');
    c.advance(30_000);
    for (let i = 0; i < 10; i++) window.recordLatency(1_000);
    window.recordOutcome('timeout');
    expect(window.latencyCount()).toBe(20);
    expect(window.quantile(0.25)).toBeCloseTo(100, -1);
    expect(window.errorRate()).toBe(0.5);

    // The first bucket [0, 5 s) is live until 60 s.
    c.advance(29_999);
    expect(window.count()).toBe(2);
    c.advance(1);
    expect(window.count()).toBe(1);
    expect(window.latencyCount()).toBe(10);
    expect(window.quantile(0.25)).toBe(1_000);
    expect(window.errorRate()).toBe(1);
    expect(window.failures('timeout')).toBe(1);

    c.advance(30_000);
    expect(window.count()).toBe(0);
    expect(window.latencyCount()).toBe(0);
    expect(window.quantile(0.5)).toBeUndefined();
    expect(window.errorRate()).toBe(0);
    expect(window.failures()).toBe(0);
  });

  it('forgets everything after a long idle gap and takes new samples after it', () => {
    const c = clock(0);
    const window = new RollingWindow({ now: c.now });
    window.recordLatency(50);
    c.advance(10 * 60_000);
    expect(window.latencyCount()).toBe(0);
    window.recordLatency(70);
    expect(window.quantile(0.5)).toBe(70);
  });

  it('reports when the oldest data leaves the window', () => {
    const c = clock(0);
    const window = new RollingWindow({ now: c.now, windowMs: 10_000, buckets: 10 });
    expect(window.nextExpiryAt()).toBe(Number.POSITIVE_INFINITY);
    c.advance(2_500);
    window.recordOutcome('ok');
    expect(window.nextExpiryAt()).toBe(12_000);
    c.advance(5_000);
    window.recordOutcome('ok');
    expect(window.nextExpiryAt()).toBe(12_000);
    c.advance(4_500);
    expect(window.count()).toBe(1);
    expect(window.nextExpiryAt()).toBe(17_000);
  });

  it('counts failures by class and resets', () => {
    const window = new RollingWindow<'timeout' | 'server_error'>({ now: clock().now });
    window.recordOutcome('ok');
    window.recordOutcome('timeout');
    window.recordOutcome('server_error');
    window.recordOutcome('server_error');
    expect(window.count()).toBe(4);
    expect(window.failures()).toBe(3);
    expect(window.failures('server_error')).toBe(2);
    expect(window.errorRate()).toBe(0.75);
    window.reset();
    expect(window.count()).toBe(0);
    expect(window.failures('server_error')).toBe(0);
  });
});

describe('RollingWindow memory', () => {
  it('does not grow with traffic', () => {
    const c = clock(0);
    const window = new RollingWindow<'timeout' | 'server_error'>({ now: c.now });
    const r = random(7);
    const drive = (n: number): void => {
      for (let i = 0; i < n; i++) {
        window.recordLatency(1 + r() * 100_000);
        window.recordOutcome(i % 3 === 0 ? 'timeout' : i % 3 === 1 ? 'server_error' : 'ok');
        window.quantile(r());
        c.advance(7);
      }
    };
    drive(20_000);
    const before = footprint(window);
    drive(200_000);
    expect(footprint(window)).toBe(before);
    expect(window.bins).toBeLessThan(200);
    expect(window.latencyCount()).toBeLessThanOrEqual(60_000 / 7 + 1);
  });
});
