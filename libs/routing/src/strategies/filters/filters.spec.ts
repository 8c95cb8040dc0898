import type { Filter } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { EMPTY_LIVE_STATE, type LiveState } from '../../live-state.js';
import { evaluate } from '../../policy.evaluator.js';
import type { RoutingDecision } from '../../routing-decision.js';
import { compile, features, liveState, noDraws, singleTarget } from '../../testing/routing-fixture.factory.js';

/** Candidates in this order, one filter, the `first` selector: `ranked` is what the filter kept, in order. */
const through = (filter: Filter | Record<string, unknown>, candidates: string[], opts: { quality?: Record<string, number>; live?: LiveState } = {}): RoutingDecision => {
  const p = singleTarget({ candidates, filters: [filter as Filter] }, opts.quality ? { quality: { '*': opts.quality } } : {});
  return evaluate(p, features(), opts.live ?? EMPTY_LIVE_STATE, noDraws);
};
const kept = (d: RoutingDecision): string[] => d.ranked.map((r) => r.model);
const dropped = (d: RoutingDecision): string[] => d.excluded.filter((e) => e.reason === 'filtered').map((e) => e.model);

describe('quality_floor', () => {
  const quality = { cheap: 0.6, budget: 0.8, mid: 0.9 };

  it('keeps candidates at or above the floor; unknown quality fails it', () => {
    const d = through({ kind: 'quality_floor', min: 0.8 }, ['cheap', 'thrifty', 'budget', 'mid'], { quality });
    expect(kept(d)).toEqual(['budget', 'mid']);
    expect(dropped(d)).toEqual(['cheap', 'thrifty']);
    expect(d).toMatchObject({ strategy: 'quality_floor>first', chosen: 'budget' });
  });
});

describe('cost_ceiling', () => {
  it('keeps candidates whose estimated cost for this request is at most maxUsd', () => {
    // 1,000 in + 256 out: tiny 0.00015, cheap 0.0002, cheap-plus 0.00021, thrifty 0.00022, mid 0.001.
    const d = through({ kind: 'cost_ceiling', maxUsd: 0.00021 }, ['mid', 'thrifty', 'cheap-plus', 'cheap', 'tiny']);
    expect(kept(d)).toEqual(['cheap-plus', 'cheap', 'tiny']);
    expect(dropped(d)).toEqual(['mid', 'thrifty']);
  });
});

describe('latency_slo', () => {
  it('keeps candidates with p95 at most the SLO, and candidates without data', () => {
    const live = liveState({ cheap: { p95Ms: 400 }, mid: { p95Ms: 500 }, premium: { p95Ms: 501 }, budget: { samples: 0 } });
    const d = through({ kind: 'latency_slo', p95Ms: 500 }, ['premium', 'cheap', 'mid', 'frontier', 'budget'], { live });
    expect(kept(d)).toEqual(['cheap', 'mid', 'frontier', 'budget']);
    expect(dropped(d)).toEqual(['premium']);
  });
});

describe('cheapest', () => {
  const candidates = ['mid', 'cheap-plus', 'cheap', 'thrifty', 'budget'];

  it('keeps only the cheapest by default', () => {
    expect(kept(through({ kind: 'cheapest' }, candidates))).toEqual(['cheap']);
  });

  it('keeps any within a relative margin of the cheapest, boundary included', () => {
    // cheap 0.0002; thrifty is exactly 10% above, budget 25%.
    const d = through({ kind: 'cheapest', within: 0.1 }, candidates);
    expect(kept(d)).toEqual(['cheap-plus', 'cheap', 'thrifty']);
    expect(dropped(d)).toEqual(['mid', 'budget']);
    expect(kept(through({ kind: 'cheapest', within: 0.09 }, candidates))).toEqual(['cheap-plus', 'cheap']);
  });
});

describe('best_quality', () => {
  const quality = { cheap: 0.6, mid: 0.9, premium: 0.95, frontier: 0.95 };
  const candidates = ['cheap', 'thrifty', 'mid', 'premium', 'frontier'];

  it('keeps the best estimated quality, ties included', () => {
    expect(kept(through({ kind: 'best_quality' }, candidates, { quality }))).toEqual(['premium', 'frontier']);
  });

  it('keeps any within an absolute margin of the best; unknown quality is dropped', () => {
    const d = through({ kind: 'best_quality', within: 0.05 }, candidates, { quality });
    expect(kept(d)).toEqual(['mid', 'premium', 'frontier']);
    expect(dropped(d)).toEqual(['cheap', 'thrifty']);
  });

  it('drops nothing when no candidate has an estimate', () => {
    expect(kept(through({ kind: 'best_quality' }, ['mid', 'cheap']))).toEqual(['mid', 'cheap']);
  });
});

describe('fastest', () => {
  const live = liveState({ cheap: { p95Ms: 900 }, mid: { p95Ms: 300 }, premium: { p95Ms: 500 } });

  it('keeps the k lowest p95, counting candidates without data as fastest, in listed order', () => {
    expect(kept(through({ kind: 'fastest', k: 2 }, ['cheap', 'mid', 'premium', 'frontier'], { live }))).toEqual(['mid', 'frontier']);
    expect(kept(through({ kind: 'fastest', k: 2 }, ['cheap', 'mid', 'premium'], { live }))).toEqual(['mid', 'premium']);
    expect(kept(through({ kind: 'fastest', k: 1 }, ['cheap', 'mid', 'premium'], { live }))).toEqual(['mid']);
  });

  it('keeps everything when there are at most k', () => {
    expect(kept(through({ kind: 'fastest', k: 3 }, ['cheap', 'mid', 'premium'], { live }))).toEqual(['cheap', 'mid', 'premium']);
  });
});

describe('a filter that leaves nothing', () => {
  it('empties the target: later filters do not run, and the fallback chain serves', () => {
    const p = compile({
      defaultRoute: {
        rules: [{ name: 'all', target: { candidates: ['mid', 'premium'], filters: [{ kind: 'cost_ceiling', maxUsd: 0.0001 }, { kind: 'fastest', k: 1 }] } }],
        fallback: { models: ['cheap'] },
      },
    });
    const d = evaluate(p, features(), EMPTY_LIVE_STATE, noDraws);
    expect(d).toMatchObject({ strategy: 'cost_ceiling>fastest>first', ranked: [], chosen: 'cheap', targetEmpty: true });
    expect(d.excluded).toEqual([
      { model: 'mid', reason: 'filtered' },
      { model: 'premium', reason: 'filtered' },
    ]);
  });
});
