import { describe, expect, it } from 'vitest';
import { compilePolicy } from '@switchyard/routing';
import { replayPolicies, type WorkloadReplay } from './policy-replay.js';
import { enumerateCandidates, type RouteSearchInput, searchRoute, shortfallOf } from './route-search.js';
import { catalog, fitted, flat, incumbent, quality, samples, WORKLOAD } from './testing/proposal-fixture.factory.js';

const MODELS = ['gpt-4', 'yi-34b', 'mixtral'];
const PRICES = { 'gpt-4': flat(0.01), 'yi-34b': flat(0.002), mixtral: flat(0.004) };

const search = (over: Partial<RouteSearchInput>) =>
  searchRoute({
    workload: WORKLOAD,
    parent: incumbent(),
    catalog,
    samples: samples(90),
    models: MODELS,
    fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.6), mixtral: flat(0.6) }, PRICES),
    ...over,
  });

describe('enumerateCandidates', () => {
  it('lists each model, then each ordered pair at each threshold that splits the sample', () => {
    const c = enumerateCandidates(['a', 'b'], [100, 200, 300, 400], [0, 0.5, 0.75]);
    expect(c).toEqual([
      { kind: 'single', model: 'a' },
      { kind: 'single', model: 'b' },
      { kind: 'threshold', threshold: 200, below: 'a', above: 'b' },
      { kind: 'threshold', threshold: 200, below: 'b', above: 'a' },
      { kind: 'threshold', threshold: 300, below: 'a', above: 'b' },
      { kind: 'threshold', threshold: 300, below: 'b', above: 'a' },
    ]);
  });
});

describe('searchRoute', () => {
  it('picks the cheapest model whose quality lower bound is within the floor', () => {
    const r = search({ fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.895), mixtral: flat(0.9) }, PRICES) });
    expect(r).toMatchObject({ kind: 'proposal', reason: 'cheaper', candidate: { kind: 'single', model: 'yi-34b' } });
    if (r.kind !== 'proposal') return;
    expect(r.floor).toBeCloseTo(0.882, 10);
    expect(r.replay.candidate.qualityLow).toBeGreaterThanOrEqual(r.floor);
    expect(r.replay.cost.relative).toBeCloseTo(-0.8, 10);
    expect(r.document.routes[WORKLOAD].rules).toEqual([{ name: 'default', target: { candidates: ['yi-34b'], filters: [], select: { kind: 'first' } } }]);
  });

  it('chooses on one half of the scores and states the other half: a lucky choice is not proposed, an honest one carries the held-out numbers', () => {
    // On the choosing half yi-34b looks as good as gpt-4; on the held-out half it is much worse.
    const lucky = search({
      fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9), mixtral: flat(0.6) }, PRICES),
      estimate: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.7), mixtral: flat(0.6) }, PRICES),
    });
    expect(lucky).toMatchObject({ kind: 'none', why: expect.stringContaining('did not hold up on the other half') as string });
    // Both halves agree it clears the floor: the proposal's numbers are the held-out half's.
    const honest = search({
      fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9), mixtral: flat(0.6) }, PRICES),
      estimate: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.895), mixtral: flat(0.6) }, PRICES),
    });
    expect(honest).toMatchObject({ kind: 'proposal', candidate: { kind: 'single', model: 'yi-34b' } });
    if (honest.kind === 'proposal') expect(honest.replay.candidate.quality).toBeCloseTo(0.895, 10);
  });

  it('falls back to the next-cheapest route the choosing half ranked when the cheapest does not hold up', () => {
    // yi-34b (cheapest) and mixtral both clear the floor on the choosing half; held out, only mixtral does.
    const r = search({
      thresholdQuantiles: [],
      fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9), mixtral: flat(0.9) }, PRICES),
      estimate: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.7), mixtral: flat(0.895) }, PRICES),
    });
    expect(r).toMatchObject({ kind: 'proposal', candidate: { kind: 'single', model: 'mixtral' } });
    if (r.kind === 'proposal') expect(r.replay.candidate.quality).toBeCloseTo(0.895, 10);
  });

  it('picks a threshold rule when the cheap model is only good on short prompts', () => {
    const r = search({ fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': (t) => (t < 320 ? 0.9 : 0.5), mixtral: flat(0.6) }, PRICES) });
    // Tokens 100..990: the quartile threshold is 320, the median 540 (which would send 320-530 to yi-34b too).
    expect(r).toMatchObject({ kind: 'proposal', reason: 'cheaper', candidate: { kind: 'threshold', threshold: 320, below: 'yi-34b', above: 'gpt-4' } });
    if (r.kind !== 'proposal') return;
    expect(r.replay.candidate.models).toEqual({ 'yi-34b': 22, 'gpt-4': 68 });
    expect(r.document.routes[WORKLOAD].rules[0].when).toEqual({ feature: 'input_tokens', op: 'lt', value: 320 });
  });

  it('proposes nothing when the saving is within noise', () => {
    // yi-34b is 5% cheaper on average, but its per-request cost swings far more than that.
    const r = search({
      samples: samples(40, 100, 140),
      fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.001), 'yi-34b': (t) => (t % 2 === 0 ? 0.0004 : 0.0015) }),
      models: ['gpt-4', 'yi-34b'],
    });
    expect(r).toMatchObject({ kind: 'none', why: expect.stringContaining('beyond noise') as unknown });
  });

  it('proposes nothing when no cheaper candidate clears the floor', () => {
    expect(search({})).toMatchObject({ kind: 'none' });
  });

  it('proposes a drift fix even at a higher cost when the incumbent falls below an absolute floor', () => {
    const r = search({
      floor: { kind: 'absolute', min: 0.85 },
      models: ['gpt-4', 'yi-34b', 'claude'],
      // Single models only: a rule splitting traffic between gpt-4 and claude would also meet the floor, cheaper.
      thresholdQuantiles: [],
      fitted: fitted({ 'gpt-4': flat(0.8), 'yi-34b': flat(0.6), claude: flat(0.92) }, { ...PRICES, claude: flat(0.015) }),
    });
    expect(r).toMatchObject({ kind: 'proposal', reason: 'drift', candidate: { kind: 'single', model: 'claude' }, floor: 0.85 });
    if (r.kind !== 'proposal') return;
    expect(r.replay.cost.delta).toBeGreaterThan(0);
    expect(r.replay.quality.low).toBeGreaterThan(0);
  });

  it('under the default relative floor, proposes a fix when the incumbent model drifted: the floor keeps its quality from before the drop', () => {
    // gpt-4 now scores 0.7 (fitted on its recent scores); before the drop it scored 0.92.
    const finding = { workload: WORKLOAD, model: 'gpt-4', source: 'judge' as const, recent: { n: 60, mean: 0.7 }, history: { n: 900, mean: 0.92 }, drop: { delta: -0.22, low: -0.3, high: -0.14 } };
    const input = {
      models: ['gpt-4', 'yi-34b', 'claude'],
      thresholdQuantiles: [],
      fitted: fitted({ 'gpt-4': flat(0.7), 'yi-34b': flat(0.6), claude: flat(0.92) }, { ...PRICES, claude: flat(0.015) }),
    };
    // Without the finding, 98% of a 0.7 incumbent is the floor: nothing cheaper meets it, and nothing is news.
    expect(search(input)).toMatchObject({ kind: 'none' });
    const r = search({ ...input, drift: [finding, { ...finding, model: 'yi-34b' }, { ...finding, workload: 'other' }] });
    expect(r).toMatchObject({ kind: 'proposal', reason: 'drift', candidate: { kind: 'single', model: 'claude' } });
    if (r.kind !== 'proposal') return;
    // 98% of 0.92, and only the incumbent's own finding is cited.
    expect(r.floor).toBeCloseTo(0.98 * 0.92, 10);
    expect(r.driftFindings).toEqual([finding]);
    expect(r.replay.cost.delta).toBeGreaterThan(0);
  });

  it("under drift, a relative floor keeps the incumbent's fit from before the drop, not its recent fit plus the raw drop", () => {
    // gpt-4 now fails every prompt (recent mean 0), yet its recent fit, shrunk toward the workload's other models, says 0.1.
    const finding = { workload: WORKLOAD, model: 'gpt-4', source: 'judge' as const, recent: { n: 40, mean: 0 }, history: { n: 900, mean: 0.92 }, drop: { delta: -0.92, low: -0.97, high: -0.87 } };
    const now = { 'gpt-4': flat(0.1), 'yi-34b': flat(0.6), claude: flat(0.95) };
    const prices = { ...PRICES, claude: flat(0.015) };
    const input = { models: ['gpt-4', 'yi-34b', 'claude'], thresholdQuantiles: [], drift: [finding] };
    // 0.1 + 0.92 overshoots 1: even capped, 98% of it is a floor claude's 0.95 cannot meet.
    expect(search({ ...input, fitted: fitted(now, prices) })).toMatchObject({ kind: 'none', floor: 0.98 });
    // gpt-4's fit on its scores from before the drop says 0.92: 98% of that is the floor.
    const r = search({ ...input, fitted: { ...fitted(now, prices), qualityBeforeDrift: quality({ ...now, 'gpt-4': flat(0.92) }) } });
    expect(r).toMatchObject({ kind: 'proposal', reason: 'drift', candidate: { kind: 'single', model: 'claude' }, driftFindings: [finding] });
    if (r.kind === 'proposal') expect(r.floor).toBeCloseTo(0.98 * 0.92, 10);
  });

  it('leaves out candidates that break the latency SLO or have no latency data', () => {
    const r = search({
      fitted: { ...fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9), mixtral: flat(0.9) }, PRICES), latencyP95Ms: (m) => ({ 'gpt-4': 800, mixtral: 900 })[m] },
      latencySloP95Ms: 1_000,
    });
    expect(r).toMatchObject({ kind: 'proposal', candidate: { kind: 'single', model: 'mixtral' } });
  });

  it('reports the cheapest candidate held back only by the width of its interval, and how far it must narrow', () => {
    // yi-34b predicts 0.885 ± 0.01 against a floor of 0.882 (98% of 0.9): the point clears it, the lower bound does not.
    const r = search({ thresholdQuantiles: [], fitted: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.885), mixtral: flat(0.887) }, PRICES) });
    expect(r).toMatchObject({ kind: 'none', why: expect.stringContaining('beyond noise') as unknown });
    if (r.kind !== 'none') return;
    expect(r.shortfall).toMatchObject({ candidate: { kind: 'single', model: 'yi-34b' }, model: 'yi-34b' });
    expect(r.shortfall?.quality).toBeCloseTo(0.885, 12);
    expect(r.shortfall?.qualityLow).toBeCloseTo(0.875, 12);
    // Its ±0.01 must shrink to ±0.003, the margin between 0.885 and the floor.
    expect(r.shortfall?.shrinkTo).toBeCloseTo(0.3, 9);
  });

  it('reports no shortfall when no candidate clears the floor even by its point estimate, or none is cheaper', () => {
    const worse = search({});
    expect(worse.kind === 'none' && worse.shortfall).toBe(undefined);
    // Near the floor, but dearer than the incumbent: not a cheaper route held back by data.
    const dearer = search({ thresholdQuantiles: [], models: ['gpt-4', 'claude'], fitted: fitted({ 'gpt-4': flat(0.9), claude: flat(0.885) }, { ...PRICES, claude: flat(0.02) }) });
    expect(dearer.kind === 'none' && dearer.shortfall).toBe(undefined);
    // Under drift the news is the incumbent below its floor, whatever a cheaper route lacks.
    const drift = search({ thresholdQuantiles: [], floor: { kind: 'absolute', min: 0.882 }, fitted: fitted({ 'gpt-4': flat(0.87), 'yi-34b': flat(0.885), mixtral: flat(0.6) }, PRICES) });
    expect(drift).toMatchObject({ kind: 'none', why: expect.stringContaining("incumbent's quality fell below") as unknown });
    expect(drift.kind === 'none' && drift.shortfall).toBe(undefined);
  });
});

describe('shortfallOf', () => {
  const replayWith = (quality: number, sampling: number, byModel: Record<string, number>): WorkloadReplay => {
    const policy = compilePolicy(incumbent(), catalog, 'v1');
    const base = replayPolicies(policy, policy, samples(10), fitted({ 'gpt-4': flat(0.9) }, PRICES)).get(WORKLOAD);
    if (!base) throw new Error('no replay');
    const half = sampling + Math.hypot(...Object.values(byModel));
    return { ...base, candidate: { ...base.candidate, quality, qualityLow: quality - half, qualityHalf: { sampling, byModel } } };
  };
  const split = { kind: 'threshold' as const, threshold: 300, below: 'a', above: 'b' };

  it("lets the largest model's part shrink, keeping the spread and the other models' parts", () => {
    // Margin 0.005 less 0.001 of spread leaves 0.004; a's 0.002 takes √(0.004² − 0.002²) of it from b.
    const s = shortfallOf(split, replayWith(0.9, 0.001, { a: 0.002, b: 0.006 }), 0.895);
    expect(s).toMatchObject({ candidate: split, model: 'b' });
    expect(s.shrinkTo).toBeCloseTo(Math.sqrt(0.004 ** 2 - 0.002 ** 2) / 0.006, 12);
  });

  it('says when more data on that model alone would not do', () => {
    expect(shortfallOf(split, replayWith(0.9, 0.006, { a: 0.002, b: 0.006 }), 0.895).shrinkTo).toBeUndefined();
    expect(shortfallOf(split, replayWith(0.9, 0.001, { a: 0.0045, b: 0.006 }), 0.895).shrinkTo).toBeUndefined();
  });
});
