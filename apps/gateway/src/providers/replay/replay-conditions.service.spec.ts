import { fileConfigSchema, type ProviderConfig, providerConfigSchema } from '@switchyard/config';
import { seededRng } from '@switchyard/routing';
import { describe, expect, it } from 'vitest';
import { abortableDelay, lognormalSampler, ReplayConditions, waitUntil } from './replay-conditions.service.js';

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const draws = (sample: () => number, n: number): number[] => Array.from({ length: n }, sample).sort((a, b) => a - b);

const replayProvider = (options: Record<string, unknown>): ProviderConfig => providerConfigSchema.parse({ name: 'replay', protocol: 'replay', fleetFile: 'f.jsonl', ...options });

describe('lognormalSampler', () => {
  it.each([
    { medianMs: 200, p95Ms: 800 },
    { medianMs: 40, p95Ms: 60 },
    { medianMs: 1_500, p95Ms: 12_000 },
  ])('5,000 seeded draws land near median $medianMs ms and p95 $p95Ms ms', (spec) => {
    const sorted = draws(lognormalSampler(spec, seededRng(7)), 5_000);
    expect(quantile(sorted, 0.5) / spec.medianMs).toBeGreaterThan(0.95);
    expect(quantile(sorted, 0.5) / spec.medianMs).toBeLessThan(1.05);
    expect(quantile(sorted, 0.95) / spec.p95Ms).toBeGreaterThan(0.92);
    expect(quantile(sorted, 0.95) / spec.p95Ms).toBeLessThan(1.08);
    expect(sorted[0]).toBeGreaterThan(0);
  });

  it('is constant when p95 equals the median, and repeats with the seed', () => {
    expect(new Set(draws(lognormalSampler({ medianMs: 50, p95Ms: 50 }, seededRng(1)), 100)).size).toBe(1);
    const a = Array.from({ length: 20 }, lognormalSampler({ medianMs: 100, p95Ms: 400 }, seededRng(3)));
    const b = Array.from({ length: 20 }, lognormalSampler({ medianMs: 100, p95Ms: 400 }, seededRng(3)));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(20);
  });
});

describe('ReplayConditions', () => {
  it('uses the model’s own latency, else the default, else none', () => {
    const conditions = new ReplayConditions(
      replayProvider({ latency: { default: { medianMs: 100, p95Ms: 100 }, models: { fast: { medianMs: 5, p95Ms: 5 } } } }),
    );
    expect(conditions.latencyMs('fast')).toBeCloseTo(5, 9);
    expect(conditions.latencyMs('other')).toBeCloseTo(100, 9);
    expect(new ReplayConditions(replayProvider({})).latencyMs('any')).toBe(0);
  });

  it('gives each model its own seeded stream, whatever the interleaving of calls', () => {
    const provider = replayProvider({ seed: 11, latency: { default: { medianMs: 100, p95Ms: 500 } }, faults: { errorRate: 0.3 } });
    const alone = new ReplayConditions(provider);
    const aAlone = Array.from({ length: 50 }, () => [alone.latencyMs('a'), alone.fault('a')?.status]);
    const mixed = new ReplayConditions(provider);
    const aMixed = Array.from({ length: 50 }, () => {
      mixed.latencyMs('b');
      mixed.fault('b');
      return [mixed.latencyMs('a'), mixed.fault('a')?.status];
    });
    expect(aMixed).toEqual(aAlone);
    const reseeded = new ReplayConditions({ ...provider, seed: 12 });
    expect(Array.from({ length: 50 }, () => [reseeded.latencyMs('a'), reseeded.fault('a')?.status])).not.toEqual(aAlone);
  });

  it('injects errors at the configured rate over a seeded run, per model where set', () => {
    const conditions = new ReplayConditions(
      replayProvider({ seed: 5, faults: { errorRate: 0.02, status: 503, models: { flaky: { errorRate: 0.25, status: 429, retryAfterMs: 1_500 } } } }),
    );
    const n = 20_000;
    const base = Array.from({ length: n }, () => conditions.fault('steady')).filter((f) => f !== undefined);
    expect(base.length / n).toBeGreaterThan(0.017);
    expect(base.length / n).toBeLessThan(0.023);
    expect(base[0]).toEqual({ status: 503, errorRate: 0.02, retryAfterMs: undefined });
    const flaky = Array.from({ length: n }, () => conditions.fault('flaky')).filter((f) => f !== undefined);
    expect(flaky.length / n).toBeGreaterThan(0.24);
    expect(flaky.length / n).toBeLessThan(0.26);
    expect(flaky[0]).toEqual({ status: 429, errorRate: 0.25, retryAfterMs: 1_500 });
    expect(new ReplayConditions(replayProvider({})).fault('steady')).toBeUndefined();
  });
});

describe('abortableDelay', () => {
  it('ends the wait with the signal’s reason when the caller leaves, and refuses an already aborted signal', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    const waiting = abortableDelay(600_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(abortableDelay(600_000, controller.signal)).rejects.toBe(reason);
    await expect(abortableDelay(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});

describe('replay options in the config', () => {
  const issues = (options: Record<string, unknown>, protocol = 'replay'): string[] => {
    const parsed = providerConfigSchema.safeParse({ name: 'p', protocol, fleetFile: 'f.jsonl', baseUrl: 'http://x/v1', ...options });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts latency, faults, seed and judge on a replay provider', () => {
    expect(
      issues({
        seed: 3,
        latency: { default: { medianMs: 300, p95Ms: 1_200 }, models: { m: { medianMs: 50, p95Ms: 50 } } },
        faults: { errorRate: 0.02, status: 429, retryAfterMs: 1_000, models: { m: { errorRate: 1 } } },
        judge: { models: ['j'] },
      }),
    ).toEqual([]);
    const parsed = replayProvider({ faults: { errorRate: 0.1, models: { m: { errorRate: 0.5 } } }, judge: { models: ['j'] } });
    expect(parsed.faults).toEqual({ errorRate: 0.1, status: 503, models: { m: { errorRate: 0.5, status: 503 } } });
    expect(parsed.judge).toEqual({ models: ['j'], noiseRate: 0.1 });
  });

  it('refuses a p95 below the median, rates outside [0, 1], a status that is not 4xx/5xx, and these options on other protocols', () => {
    expect(issues({ latency: { default: { medianMs: 300, p95Ms: 200 } } })).toEqual(['latency.default.p95Ms: must be at least medianMs']);
    expect(issues({ latency: { models: { m: { medianMs: 0, p95Ms: 10 } } } })).toHaveLength(1);
    expect(issues({ faults: { errorRate: 1.5 } })).toHaveLength(1);
    expect(issues({ faults: { errorRate: 0.1, status: 302 } })).toHaveLength(1);
    expect(issues({ faults: { errorRate: 0.1, models: { m: { errorRate: -0.1 } } } })).toHaveLength(1);
    expect(issues({ judge: { models: ['j'], noiseRate: 2 } })).toHaveLength(1);
    expect(issues({ judge: { models: [] } })).toHaveLength(1);
    expect(issues({ faults: { errorRate: 0.1 }, seed: 1 }, 'openai')).toEqual(['faults: only for protocol "replay"', 'seed: only for protocol "replay"']);
  });

  it('refuses model ids that are not the provider’s own', () => {
    const file = (replay: Record<string, unknown>) =>
      fileConfigSchema.safeParse({
        providers: [
          { name: 'replay', protocol: 'replay', fleetFile: 'f.jsonl', ...replay },
          { name: 'real', protocol: 'openai', baseUrl: 'http://x/v1' },
        ],
        models: [
          { id: 'm', provider: 'replay', pricing: { inputUsdPerMTok: 1 } },
          { id: 'judge', provider: 'replay', pricing: { inputUsdPerMTok: 1 } },
          { id: 'elsewhere', provider: 'real', pricing: { inputUsdPerMTok: 1 } },
        ],
        routing: { defaultRoute: 'm' },
      });
    expect(file({ judge: { models: ['judge'] }, latency: { models: { m: { medianMs: 1, p95Ms: 2 } } }, faults: { models: { m: { errorRate: 0.1 } } } }).success).toBe(true);
    const bad = file({ judge: { models: ['elsewhere'] }, latency: { models: { typo: { medianMs: 1, p95Ms: 2 } } }, faults: { models: { nope: { errorRate: 0.1 } } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['providers.0.latency.models.typo', 'providers.0.faults.models.nope', 'providers.0.judge.models.0']);
  });
});

describe('waitUntil', () => {
  it('never returns before its deadline, however the waits are chained or fractional', async () => {
    const signal = new AbortController().signal;
    const start = performance.now();
    // A stream's waits: 30 fractional steps on one timeline.
    for (let i = 1; i <= 30; i++) {
      const deadline = start + i * 1.7;
      await waitUntil(deadline, signal);
      expect(performance.now()).toBeGreaterThanOrEqual(deadline);
    }
  });

  it('returns at once for a deadline already past, and rejects when the call is aborted', async () => {
    await expect(waitUntil(performance.now() - 5, new AbortController().signal)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = waitUntil(performance.now() + 600_000, controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
  });
});
