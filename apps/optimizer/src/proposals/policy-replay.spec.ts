import { compilePolicy } from '@switchyard/routing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CostModel } from '../models/cost.model.js';
import type { QualityModel } from '../models/quality.model.js';
import { applyCandidate } from './candidate-route.js';
import type { CostEstimator, QualityPredictor } from './fitted-models.js';
import { replayPolicies } from './policy-replay.js';
import { catalog, fitted, flat, incumbent, samples, WORKLOAD } from './testing/proposal-fixture.factory.js';


describe('fitted-model ports', () => {
  it('are satisfied by the real fitted models, so the lead can pass them as they are', () => {
    expectTypeOf<QualityModel>().toExtend<QualityPredictor>();
    expectTypeOf<CostModel>().toExtend<CostEstimator>();
  });
});

describe('replayPolicies', () => {
  const models = fitted({ 'gpt-4': flat(0.9), 'yi-34b': (t) => (t < 500 ? 0.9 : 0.6) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) });

  it('gives an identical policy zero deltas with zero-width intervals', () => {
    const policy = compilePolicy(incumbent(), catalog, 'v1');
    const r = replayPolicies(policy, policy, samples(50), models).get(WORKLOAD);
    expect(r).toMatchObject({ n: 50, missing: 0, quality: { delta: 0, low: 0, high: 0 }, cost: { delta: 0, low: 0, high: 0, relative: 0 } });
    expect(r?.incumbent).toEqual(r?.candidate);
    expect(r?.incumbent.models).toEqual({ 'gpt-4': 50 });
  });

  it('pairs the requests: the deltas are the mean per-request differences, widened by the changed models’ uncertainty', () => {
    const inc = compilePolicy(incumbent(), catalog, 'v1');
    const cand = compilePolicy(applyCandidate(incumbent(), catalog, WORKLOAD, { kind: 'single', model: 'yi-34b' }), catalog, 'v2');
    const r = replayPolicies(inc, cand, samples(90), models).get(WORKLOAD);
    if (!r) throw new Error('no replay');
    // Tokens 100..990: 40 of 90 are under 500.
    expect(r.quality.delta).toBeCloseTo((50 * -0.3) / 90, 10);
    expect(r.quality.low).toBeLessThan(r.quality.delta);
    expect(r.quality.high).toBeGreaterThan(r.quality.delta);
    expect(r.cost.delta).toBeCloseTo(-0.009, 10);
    expect(r.cost.relative).toBeCloseTo(-0.9, 10);
    // Flat costs: no sampling spread, so no cost interval.
    expect(r.cost.high - r.cost.low).toBeCloseTo(0, 12);
    expect(r.candidate.models).toEqual({ 'yi-34b': 90 });
    expect(r.candidate.qualityLow).toBeLessThan(r.candidate.quality);
  });

  it("splits a policy's quality interval into the requests' spread and each model's fit uncertainty", () => {
    const inc = compilePolicy(incumbent(), catalog, 'v1');
    const split = { kind: 'threshold' as const, threshold: 320, below: 'yi-34b', above: 'gpt-4' };
    const cand = compilePolicy(applyCandidate(incumbent(), catalog, WORKLOAD, split), catalog, 'v2');
    const r = replayPolicies(inc, cand, samples(90), models).get(WORKLOAD);
    if (!r) throw new Error('no replay');
    // Each prediction is ±0.01: a model's part is 0.01 × its share of the requests (22 of 90 under 320).
    const { sampling, byModel } = r.candidate.qualityHalf;
    expect(byModel['yi-34b']).toBeCloseTo((0.01 * 22) / 90, 12);
    expect(byModel['gpt-4']).toBeCloseTo((0.01 * 68) / 90, 12);
    // Both models predict 0.9 on these prompts: no spread across requests.
    expect(sampling).toBeCloseTo(0, 12);
    expect(r.candidate.quality - r.candidate.qualityLow).toBeCloseTo(sampling + Math.hypot(byModel['yi-34b'], byModel['gpt-4']), 12);
    // All to yi-34b, whose quality varies with the prompt (0.9 or 0.6): the spread counts too.
    const all = compilePolicy(applyCandidate(incumbent(), catalog, WORKLOAD, { kind: 'single', model: 'yi-34b' }), catalog, 'v3');
    const mixed = replayPolicies(inc, all, samples(90), models).get(WORKLOAD)?.candidate;
    expect(mixed?.qualityHalf.sampling).toBeGreaterThan(0);
    expect((mixed?.quality ?? 0) - (mixed?.qualityLow ?? 0)).toBeCloseTo((mixed?.qualityHalf.sampling ?? 0) + 0.01, 12);
  });

  it('counts requests whose chosen model has no fit as missing', () => {
    const inc = compilePolicy(incumbent(), catalog, 'v1');
    const cand = compilePolicy(applyCandidate(incumbent(), catalog, WORKLOAD, { kind: 'single', model: 'mixtral' }), catalog, 'v2');
    expect(replayPolicies(inc, cand, samples(10), models).get(WORKLOAD)).toMatchObject({ n: 0, missing: 10 });
  });
});
