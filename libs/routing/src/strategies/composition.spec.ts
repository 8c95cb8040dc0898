import { seededRng } from '../seeded-rng.js';
import { describe, expect, it } from 'vitest';
import { EMPTY_LIVE_STATE } from '../live-state.js';
import { evaluate } from '../policy.evaluator.js';
import { features, liveState, noDraws, singleTarget, tally } from '../testing/routing-fixture.factory.js';

describe('composed strategies', () => {
  const quality = { '*': { cheap: 0.6, 'cheap-plus': 0.75, thrifty: 0.8, budget: 0.9, mid: 0.95 } };
  const floorCheapestRr = {
    candidates: ['cheap', 'cheap-plus', 'thrifty', 'budget', 'mid'],
    filters: [
      { kind: 'quality_floor' as const, min: 0.7 },
      { kind: 'cheapest' as const, within: 0.1 },
    ],
    select: { kind: 'round_robin' as const },
  };

  it('quality floor, then the cheapest within 10%, then round-robin between what is left', () => {
    const p = singleTarget(floorCheapestRr, { quality });
    const ds = Array.from({ length: 4 }, () => evaluate(p, features(), EMPTY_LIVE_STATE, noDraws));
    // The floor drops cheap; cheap-plus is then the cheapest, and thrifty is within 10% of it.
    expect(ds.map((d) => d.chosen)).toEqual(['cheap-plus', 'thrifty', 'cheap-plus', 'thrifty']);
    expect(ds[0]).toMatchObject({ strategy: 'quality_floor>cheapest>round_robin', fallbacks: ['thrifty'], ranked: [{ model: 'cheap-plus' }, { model: 'thrifty' }] });
    expect(ds[0].excluded).toEqual([
      { model: 'cheap', reason: 'filtered' },
      { model: 'budget', reason: 'filtered' },
      { model: 'mid', reason: 'filtered' },
    ]);
  });

  it('recomputes the pipeline per request: with cheap-plus down, thrifty alone is within 10%', () => {
    const p = singleTarget(floorCheapestRr, { quality });
    const live = liveState({ 'cheap-plus': { available: false, breaker: 'open' } });
    const chosen = Array.from({ length: 3 }, () => evaluate(p, features(), live, noDraws).chosen);
    expect(chosen).toEqual(['thrifty', 'thrifty', 'thrifty']);
  });

  it('applies filters in the listed order', () => {
    // The cheapest first leaves only cheap, which the floor then drops: the target is empty.
    const p = singleTarget({ ...floorCheapestRr, filters: [{ kind: 'cheapest' }, floorCheapestRr.filters[0]] }, { quality });
    expect(evaluate(p, features(), EMPTY_LIVE_STATE, noDraws)).toMatchObject({ strategy: 'cheapest>quality_floor>round_robin', chosen: undefined, targetEmpty: true });
  });

  it('latency SLO, then the best quality within 0.05, then least busy', () => {
    const p = singleTarget(
      {
        candidates: ['cheap', 'thrifty', 'budget', 'mid', 'premium'],
        filters: [
          { kind: 'latency_slo', p95Ms: 1_000 },
          { kind: 'best_quality', within: 0.05 },
        ],
        select: { kind: 'least_busy' },
      },
      { quality: { '*': { ...quality['*'], premium: 0.97 } } },
    );
    // premium is too slow; mid (0.95) and budget (0.9, within 0.05) remain; budget is idler.
    const live = liveState({ premium: { p95Ms: 2_000 }, mid: { p95Ms: 800, inFlight: 4 }, budget: { p95Ms: 600, inFlight: 1 }, thrifty: { p95Ms: 300 } });
    const d = evaluate(p, features(), live, seededRng(3));
    expect(d).toMatchObject({ strategy: 'latency_slo>best_quality>least_busy', chosen: 'budget', fallbacks: ['mid'] });
    expect(d.excluded.map((e) => e.model)).toEqual(['premium', 'cheap', 'thrifty']);
  });

  it('cost ceiling, then a race of the two fastest that fit', () => {
    const p = singleTarget({ candidates: ['frontier', 'premium', 'mid', 'cheap', 'budget'], filters: [{ kind: 'cost_ceiling', maxUsd: 0.001 }], select: { kind: 'race', k: 2 } });
    const live = liveState({ frontier: { p95Ms: 100 }, premium: { p95Ms: 150 }, mid: { p95Ms: 400 }, cheap: { p95Ms: 900 }, budget: { p95Ms: 700 } });
    expect(evaluate(p, features(), live, noDraws)).toMatchObject({ strategy: 'cost_ceiling>race', legs: ['mid', 'budget'], fallbacks: ['cheap'] });
  });

  it('fastest 3, then a weighted split among those kept', () => {
    const p = singleTarget({
      candidates: ['cheap', 'mid', 'premium', 'frontier'],
      filters: [{ kind: 'fastest', k: 3 }],
      select: { kind: 'weighted', weights: { cheap: 1, mid: 1, premium: 2, frontier: 4 } },
    });
    const live = liveState({ cheap: { p95Ms: 300 }, mid: { p95Ms: 400 }, premium: { p95Ms: 500 }, frontier: { p95Ms: 900 } });
    const rng = seededRng(4);
    const counts = tally(Array.from({ length: 40_000 }, () => evaluate(p, features(), live, rng).chosen));
    expect(counts.get('frontier')).toBeUndefined();
    expect(Math.abs(counts.get('premium')! / 40_000 - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(counts.get('cheap')! / 40_000 - 0.25)).toBeLessThan(0.02);
  });
});
