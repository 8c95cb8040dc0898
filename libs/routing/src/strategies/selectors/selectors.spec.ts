import { seededRng } from '../../seeded-rng.js';
import { describe, expect, it } from 'vitest';
import { type DeploymentSnapshot, EMPTY_LIVE_STATE, type LiveState } from '../../live-state.js';
import type { CompiledPolicy } from '../../policy.compiler.js';
import { evaluate } from '../../policy.evaluator.js';
import type { RequestFeatures, Rng } from '../../request-features.js';
import type { RoutingDecision } from '../../routing-decision.js';
import { compile, features, liveState, noDraws, singleTarget, tally } from '../../testing/routing-fixture.factory.js';

/** Share of `n` decisions that chose each model. */
const shares = (p: CompiledPolicy, n: number, live: LiveState, rng: Rng, f: RequestFeatures = features()): Map<string | undefined, number> => {
  const counts = tally(Array.from({ length: n }, () => evaluate(p, f, live, rng).chosen));
  return new Map([...counts].map(([k, v]) => [k, v / n]));
};

const down: Partial<DeploymentSnapshot> = { available: false, breaker: 'open' };

describe('first', () => {
  const p = singleTarget({ candidates: ['mid', 'cheap', 'premium'] });

  it('takes the first listed candidate; the rest follow as fallbacks in order', () => {
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, noDraws);
    expect(d).toMatchObject({ strategy: 'first', chosen: 'mid', legs: ['mid'], fallbacks: ['cheap', 'premium'] });
    expect(d.ranked).toEqual([
      { model: 'mid', score: 0 },
      { model: 'cheap', score: 1 },
      { model: 'premium', score: 2 },
    ]);
  });

  it('skips an unavailable candidate', () => {
    const d = evaluate(p, features(), liveState({ mid: down }), noDraws);
    expect(d).toMatchObject({ chosen: 'cheap', fallbacks: ['premium'], excluded: [{ model: 'mid', reason: 'breaker_open' }] });
    expect(d.ranked).toEqual([
      { model: 'cheap', score: 1 },
      { model: 'premium', score: 2 },
    ]);
  });
});

describe('round_robin', () => {
  const target = { candidates: ['cheap', 'mid', 'premium'], select: { kind: 'round_robin' as const } };

  it('takes turns in the listed order, the next ones as fallbacks', () => {
    const p = singleTarget(target);
    const ds = Array.from({ length: 7 }, () => evaluate(p, features(), EMPTY_LIVE_STATE, noDraws));
    expect(ds.map((d) => d.chosen)).toEqual(['cheap', 'mid', 'premium', 'cheap', 'mid', 'premium', 'cheap']);
    expect(ds[1]).toMatchObject({ strategy: 'round_robin', legs: ['mid'], fallbacks: ['premium', 'cheap'] });
    expect(ds[1].ranked.map((r) => r.score)).toEqual([null, null, null]);
  });

  it('rotates over the available candidates only', () => {
    const p = singleTarget(target);
    const live = liveState({ mid: down });
    expect(Array.from({ length: 4 }, () => evaluate(p, features(), live, noDraws).chosen)).toEqual(['cheap', 'premium', 'cheap', 'premium']);
  });

  it('keeps one cursor per rule and per compiled policy version', () => {
    const p = compile({
      defaultRoute: {
        rules: [
          { name: 'tools', when: { feature: 'has_tools', op: 'eq', value: true }, target: { candidates: ['tiny', 'budget'], select: { kind: 'round_robin' } } },
          { name: 'rest', target },
        ],
      },
    });
    const pick = (hasTools: boolean) => evaluate(p, features({ hasTools }), EMPTY_LIVE_STATE, noDraws).chosen;
    expect([pick(false), pick(true), pick(false), pick(true), pick(false), pick(true)]).toEqual(['cheap', 'tiny', 'mid', 'budget', 'premium', 'tiny']);
    const fresh = singleTarget(target);
    expect(evaluate(fresh, features(), EMPTY_LIVE_STATE, noDraws).chosen).toBe('cheap');
  });
});

describe('weighted', () => {
  const p = singleTarget({ candidates: ['cheap', 'mid', 'premium', 'budget'], select: { kind: 'weighted', weights: { cheap: 50, mid: 30, premium: 20, budget: 0 } } });

  it('splits 100,000 seeded draws within 2% of the weights, and never picks a zero weight', () => {
    const s = shares(p, 100_000, EMPTY_LIVE_STATE, seededRng(12345));
    expect(Math.abs(s.get('cheap')! - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(s.get('mid')! - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(s.get('premium')! - 0.2)).toBeLessThan(0.02);
    expect(s.get('budget')).toBeUndefined();
  });

  it('spreads an unavailable model share over the others in proportion', () => {
    const s = shares(p, 100_000, liveState({ cheap: down }), seededRng(777));
    expect(Math.abs(s.get('mid')! - 0.6)).toBeLessThan(0.02);
    expect(Math.abs(s.get('premium')! - 0.4)).toBeLessThan(0.02);
    expect(s.get('budget')).toBeUndefined();
  });

  it('ranks the drawn model first, then the rest heaviest first, scored by weight', () => {
    // 0.9 * 100 lands in premium's slice [80, 100).
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, () => 0.9);
    expect(d).toMatchObject({ strategy: 'weighted', chosen: 'premium', fallbacks: ['cheap', 'mid', 'budget'] });
    expect(d.ranked).toEqual([
      { model: 'premium', score: 20 },
      { model: 'cheap', score: 50 },
      { model: 'mid', score: 30 },
      { model: 'budget', score: 0 },
    ]);
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, () => 0).chosen).toBe('cheap');
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, () => 0.4999).chosen).toBe('cheap');
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, () => 0.5).chosen).toBe('mid');
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, () => 0.9999999).chosen).toBe('premium');
  });

  it('orders fallbacks of equal weight as listed', () => {
    const q = singleTarget({ candidates: ['mid', 'cheap', 'premium', 'budget'], select: { kind: 'weighted', weights: { mid: 1, cheap: 1, premium: 1, budget: 5 } } });
    expect(evaluate(q, features(), EMPTY_LIVE_STATE, () => 0.99)).toMatchObject({ chosen: 'budget', fallbacks: ['mid', 'cheap', 'premium'] });
  });

  it('serves a zero-weight candidate, in listed order, only when every weighted one is unavailable', () => {
    const d = evaluate(p, features(), liveState({ cheap: down, mid: down, premium: down }), noDraws);
    expect(d).toMatchObject({ chosen: 'budget', ranked: [{ model: 'budget', score: 0 }] });
  });
});

describe('latency', () => {
  const warm = { cheap: { p95Ms: 800 }, mid: { p95Ms: 300 }, premium: { p95Ms: 500 } };
  const p = singleTarget({ candidates: ['cheap', 'mid', 'premium', 'budget'], select: { kind: 'latency' } });

  it('picks the lowest p95 among warm candidates, without a random draw', () => {
    const d = evaluate(p, features(), liveState({ ...warm, budget: { p95Ms: 900 } }), noDraws);
    expect(d).toMatchObject({ strategy: 'latency', chosen: 'mid', fallbacks: ['premium', 'cheap', 'budget'] });
    expect(d.ranked).toEqual([
      { model: 'mid', score: 300 },
      { model: 'premium', score: 500 },
      { model: 'cheap', score: 800 },
      { model: 'budget', score: 900 },
    ]);
  });

  it('gives a cold candidate (fewer samples than minSamples) about warmupShare of the traffic', () => {
    const live = liveState({ ...warm, budget: { samples: 5, p95Ms: 100 } });
    const s = shares(p, 100_000, live, seededRng(31));
    expect(Math.abs(s.get('budget')! - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(s.get('mid')! - 0.9)).toBeLessThan(0.01);
    expect([s.get('cheap'), s.get('premium')]).toEqual([undefined, undefined]);
  });

  it('splits warmupShare among several cold candidates, including ones with no data at all', () => {
    const q = singleTarget({ candidates: ['cheap', 'mid', 'budget', 'thrifty'], select: { kind: 'latency', minSamples: 50, warmupShare: 0.2 } });
    const live = liveState({ cheap: { p95Ms: 800 }, mid: { p95Ms: 300 }, budget: { samples: 49, p95Ms: 50 } });
    const s = shares(q, 100_000, live, seededRng(32));
    expect(Math.abs(s.get('budget')! - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(s.get('thrifty')! - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(s.get('mid')! - 0.8)).toBeLessThan(0.01);
  });

  it('lets a warmed-up candidate compete on p95', () => {
    const fast = liveState({ ...warm, budget: { samples: 20, p95Ms: 100 } });
    const slow = liveState({ ...warm, budget: { samples: 20, p95Ms: 1_000 } });
    expect(shares(p, 1_000, fast, noDraws)).toEqual(new Map([['budget', 1]]));
    expect(shares(p, 1_000, slow, noDraws)).toEqual(new Map([['mid', 1]]));
  });

  it('spreads traffic evenly when nothing is warm yet', () => {
    const s = shares(p, 40_000, EMPTY_LIVE_STATE, seededRng(33));
    for (const id of ['cheap', 'mid', 'premium', 'budget']) expect(Math.abs(s.get(id)! - 0.25)).toBeLessThan(0.02);
  });
});

describe('least_busy', () => {
  const p = singleTarget({ candidates: ['cheap', 'mid', 'premium'], select: { kind: 'least_busy' } });

  it('picks the fewest requests in flight', () => {
    const d = evaluate(p, features(), liveState({ cheap: { inFlight: 5 }, mid: { inFlight: 2 }, premium: { inFlight: 9 } }), seededRng(1));
    expect(d).toMatchObject({ strategy: 'least_busy', chosen: 'mid', fallbacks: ['cheap', 'premium'] });
    expect(d.ranked).toEqual([
      { model: 'mid', score: 2 },
      { model: 'cheap', score: 5 },
      { model: 'premium', score: 9 },
    ]);
  });

  it('breaks ties at random, and counts a model without data as idle', () => {
    const s = shares(p, 20_000, liveState({ cheap: { inFlight: 0 }, premium: { inFlight: 3 } }), seededRng(2));
    expect(Math.abs(s.get('cheap')! - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(s.get('mid')! - 0.5)).toBeLessThan(0.02);
    expect(s.get('premium')).toBeUndefined();
  });
});

describe('cost', () => {
  const quality = { '*': { cheap: 0.6, budget: 0.8, mid: 0.9, premium: 0.95 } };

  it('without a floor, picks the cheapest for this request, scored by cost', () => {
    const p = singleTarget({ candidates: ['premium', 'mid', 'cheap', 'budget'], select: { kind: 'cost' } });
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, noDraws);
    expect(d).toMatchObject({ strategy: 'cost', chosen: 'cheap', fallbacks: ['budget', 'mid', 'premium'] });
    expect(d.ranked.map((r) => r.score)).toEqual([0.0002, 0.00025, 0.001, 0.005]);
  });

  it('picks the cheapest whose quality meets the floor (inclusive); unknown quality never qualifies', () => {
    const p = singleTarget({ candidates: ['premium', 'mid', 'thrifty', 'cheap', 'budget'], select: { kind: 'cost', minQuality: 0.8 } }, { quality });
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, noDraws);
    expect(d).toMatchObject({ chosen: 'budget', fallbacks: ['mid', 'premium'] });
    expect(d.excluded).toEqual([
      { model: 'thrifty', reason: 'filtered' },
      { model: 'cheap', reason: 'filtered' },
    ]);
  });

  it('yields nothing, rather than a model below the floor, when none meets it', () => {
    const p = singleTarget({ candidates: ['cheap', 'budget'], select: { kind: 'cost', minQuality: 0.85 } }, { quality });
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: undefined, targetEmpty: true, ranked: [] });
  });

  describe('never chooses below the floor, over many random live states and requests', () => {
    const ids = ['tiny', 'cheap', 'cheap-plus', 'thrifty', 'budget', 'mid', 'premium', 'frontier'];
    const prices: Record<string, [number, number, number]> = {
      tiny: [0.1, 0.1953125, 4_096],
      cheap: [0.1, 0.390625, 128_000],
      'cheap-plus': [0.105, 0.41015625, 128_000],
      thrifty: [0.11, 0.4296875, 128_000],
      budget: [0.125, 0.48828125, 128_000],
      mid: [0.5, 1.953125, 128_000],
      premium: [2.5, 9.765625, 200_000],
      frontier: [7.5, 29.296875, 1_000_000],
    };

    it.each([
      ['the cost selector floor', (floor: number) => ({ select: { kind: 'cost' as const, minQuality: floor } })],
      ['a quality_floor filter before the cost selector', (floor: number) => ({ filters: [{ kind: 'quality_floor' as const, min: floor }], select: { kind: 'cost' as const } })],
    ])('%s', (_label, strategy) => {
      const rng = seededRng(2024);
      let served = 0;
      let empty = 0;
      for (let i = 0; i < 1_500; i++) {
        const floor = Math.round(rng() * 100) / 100;
        const q: Record<string, number> = {};
        const snaps: Record<string, Partial<DeploymentSnapshot>> = {};
        for (const id of ids) {
          if (rng() < 0.85) q[id] = Math.round(rng() * 1_000) / 1_000;
          const r = rng();
          if (r < 0.15) snaps[id] = down;
          else if (r < 0.2) snaps[id] = { available: false, breaker: 'closed', cooldownUntil: 1 };
          else if (r < 0.3) continue;
          else snaps[id] = { p95Ms: 100 + rng() * 3_000, inFlight: Math.floor(rng() * 10) };
        }
        const candidates = ids.filter(() => rng() < 0.6);
        if (candidates.length === 0) candidates.push(ids[Math.floor(rng() * ids.length)]);
        const f = features({ inputTokens: Math.floor(rng() * rng() * 250_000), maxTokens: rng() < 0.5 ? Math.floor(rng() * 4_000) : undefined });
        const p = compile({ defaultRoute: { rules: [{ name: 'all', target: { candidates, ...strategy(floor) } }] }, quality: { '*': q } });
        const d: RoutingDecision = evaluate(p, f, liveState(snaps), rng);

        let expected: string | undefined;
        let best = Infinity;
        for (const id of candidates) {
          const s = snaps[id];
          const [inUsd, outUsd, window] = prices[id];
          if ((s && s.available === false) || window < f.inputTokens + (f.maxTokens ?? 0)) continue;
          if (q[id] === undefined || q[id] < floor) continue;
          const cost = (f.inputTokens * inUsd + (f.maxTokens ?? 256) * outUsd) / 1e6;
          if (cost < best) [best, expected] = [cost, id];
        }
        expect(d.chosen).toBe(expected);
        for (const r of d.ranked) expect(q[r.model]).toBeGreaterThanOrEqual(floor);
        if (d.chosen === undefined) empty++;
        else served++;
      }
      // Both outcomes occur often enough for the property to mean something.
      expect(served).toBeGreaterThan(500);
      expect(empty).toBeGreaterThan(100);
    });
  });
});

describe('quality', () => {
  const quality = { '*': { cheap: 0.6, mid: 0.9, premium: 0.95, frontier: 0.95 } };
  const candidates = ['cheap', 'thrifty', 'frontier', 'mid', 'premium'];

  it('picks the highest estimated quality; the cheaper wins a tie; unknown quality ranks last', () => {
    const p = singleTarget({ candidates, select: { kind: 'quality' } }, { quality });
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, noDraws);
    expect(d).toMatchObject({ strategy: 'quality', chosen: 'premium' });
    expect(d.ranked).toEqual([
      { model: 'premium', score: 0.95 },
      { model: 'frontier', score: 0.95 },
      { model: 'mid', score: 0.9 },
      { model: 'cheap', score: 0.6 },
      { model: 'thrifty', score: null },
    ]);
  });

  it('leaves out candidates above the cost ceiling', () => {
    const p = singleTarget({ candidates, select: { kind: 'quality', maxUsd: 0.004 } }, { quality });
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, noDraws);
    expect(d).toMatchObject({ chosen: 'mid', fallbacks: ['cheap', 'thrifty'] });
    expect(d.excluded).toEqual([
      { model: 'frontier', reason: 'filtered' },
      { model: 'premium', reason: 'filtered' },
    ]);
  });

  it('leaves out candidates over the p95 SLO, and lets candidates without data through', () => {
    const p = singleTarget({ candidates, select: { kind: 'quality', p95Ms: 1_000 } }, { quality });
    const live = liveState({ premium: { p95Ms: 1_500 }, frontier: { p95Ms: 1_000 }, mid: { p95Ms: 200 } });
    expect(evaluate(p, features(), live, noDraws)).toMatchObject({ chosen: 'frontier', excluded: [{ model: 'premium', reason: 'filtered' }] });
  });

  it('yields nothing when no candidate fits the ceiling', () => {
    const p = singleTarget({ candidates: ['mid', 'premium'], select: { kind: 'quality', maxUsd: 0.0001 } }, { quality });
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ chosen: undefined, legs: [], targetEmpty: true });
  });
});

describe('race', () => {
  const live = liveState({ cheap: { p95Ms: 900 }, mid: { p95Ms: 300 }, premium: { p95Ms: 500 } });

  it('sends to the k fastest at once; the rest, then candidates without data, are fallbacks', () => {
    const p = singleTarget({ candidates: ['frontier', 'cheap', 'mid', 'premium'], select: { kind: 'race' } });
    const d = evaluate(p, features(), live, noDraws);
    expect(d).toMatchObject({ strategy: 'race', chosen: 'mid', legs: ['mid', 'premium'], fallbacks: ['cheap', 'frontier'] });
    expect(d.ranked).toEqual([
      { model: 'mid', score: 300 },
      { model: 'premium', score: 500 },
      { model: 'cheap', score: 900 },
      { model: 'frontier', score: null },
    ]);
  });

  it('sends k legs when it can, and fewer when fewer are available', () => {
    const p = singleTarget({ candidates: ['frontier', 'cheap', 'mid', 'premium'], select: { kind: 'race', k: 3 } });
    expect(evaluate(p, features(), live, noDraws).legs).toEqual(['mid', 'premium', 'cheap']);
    expect(evaluate(p, features(), liveState({ mid: down, premium: down, cheap: { p95Ms: 900 } }), noDraws)).toMatchObject({ legs: ['cheap', 'frontier'], fallbacks: [] });
    expect(evaluate(p, features(), liveState({ mid: down, premium: down, cheap: down }), noDraws)).toMatchObject({ legs: ['frontier'], chosen: 'frontier' });
  });
});
