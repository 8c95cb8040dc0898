import { seededRng } from '@switchyard/routing';
import { MultivariateLinearRegression } from 'ml-regression';
import { describe, expect, it } from 'vitest';
import { FEATURE_COUNT } from '../features/quality-features.js';
import { fitJudgeCalibration } from './judge-calibration.js';
import { DEFAULT_QUALITY_FIT_OPTIONS, QualityModelBuilder } from './quality.model.js';

/** Box–Muller normal draws from a seeded uniform source. */
const normal = (rand: () => number) => (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

// Columns as in QUALITY_FEATURES: intercept, log tokens, log messages, tools, JSON mode, code, non-Latin share.
const TRUE_BETA = [0.9, -0.05, 0.02, -0.1, 0.05, -0.08, -0.06];

function row(rand: () => number): number[] {
  const nonLatinShare = rand() < 0.3 ? rand() : 0;
  return [1, Math.log1p(20 + rand() * 2_000), Math.log1p(1 + Math.floor(rand() * 8)), rand() < 0.3 ? 1 : 0, rand() < 0.2 ? 1 : 0, rand() < 0.25 ? 1 : 0, nonLatinShare];
}

const dotBeta = (x: number[]): number => x.reduce((s, v, i) => s + v * TRUE_BETA[i], 0);

describe('QualityModelBuilder', () => {
  it('recovers known coefficients from streamed rows, as an in-memory least-squares fit does', () => {
    const rand = seededRng(1);
    const noise = normal(rand);
    const builder = new QualityModelBuilder();
    const xs: number[][] = [];
    const ys: number[][] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = row(rand);
      const y = dotBeta(x) + 0.05 * noise();
      builder.add('support', 'a', 'golden', x, y);
      xs.push(x.slice(1));
      ys.push([y]);
    }
    const [fit] = builder.build([]).summaries();
    const beta = Object.values(fit.coefficients);
    expect(beta).toHaveLength(TRUE_BETA.length);
    beta.forEach((b, i) => expect(b).toBeCloseTo(TRUE_BETA[i], 2));
    const reference = new MultivariateLinearRegression(xs, ys);
    // ml-regression puts the intercept last.
    const refBeta = [reference.weights[FEATURE_COUNT - 1][0], ...reference.weights.slice(0, FEATURE_COUNT - 1).map((w) => w[0])];
    beta.forEach((b, i) => expect(b).toBeCloseTo(refBeta[i], 5));
    expect(fit.priorStrength).toBe(0);
    expect(fit.n).toBe(20_000);
  });

  it('pulls a thinly scored model toward the workload, and leaves a well-scored one on its own data', () => {
    const rand = seededRng(2);
    const noise = normal(rand);
    const means: Record<string, number> = { a: 0.8, b: 0.79, c: 0.81, d: 0.8, thin: 0.65 };
    const counts: Record<string, number> = { a: 2_000, b: 2_000, c: 2_000, d: 2_000, thin: 3 };
    // Three scores are noisy, and so is how far one draw of them gets pulled: judge it over repeated draws.
    const runs = 40;
    const moved: number[] = [];
    for (let r = 0; r < runs; r++) {
      const builder = new QualityModelBuilder();
      for (const model of Object.keys(means)) {
        for (let i = 0; i < counts[model]; i++) builder.add('support', model, 'golden', row(rand), means[model] + 0.2 * noise());
      }
      const fits = new Map(builder.build([]).summaries().map((s) => [s.model, s]));
      const thin = fits.get('thin');
      const a = fits.get('a');
      expect(thin?.priorStrength).toBeGreaterThan(0);
      expect(thin?.enough).toBe(false);
      expect(a?.predicted.mean).toBeCloseTo(0.8, 1);
      expect(a?.enough).toBe(true);
      // How far the prediction stays from the others' 0.8, relative to the thin model's own scores.
      moved.push(Math.abs((thin?.predicted.mean ?? Number.NaN) - 0.8) / Math.abs((thin?.observedMean ?? Number.NaN) - 0.8));
    }
    // Empirical Bayes: the models' means barely differ beside one score's noise (0.2), so the prior
    // is worth about as many rows as the thin model has, and typically pulls it about halfway to 0.8.
    moved.sort((x, y) => x - y);
    expect(moved[Math.floor(runs / 2)]).toBeLessThan(0.7);
    expect(moved.filter((m) => m < 1).length).toBeGreaterThanOrEqual(0.9 * runs);
  });

  it('shrinks a thin model toward the typical model of the workload, not toward the incumbent that has most of the scores', () => {
    const rand = seededRng(5);
    // The incumbent has 20× the scores of each other model: pooled rows would put the prior's level
    // near its 0.9; the typical model of these six scores (0.9 + 5 × 0.6) / 6 = 0.65.
    const means: Record<string, number> = { incumbent: 0.9, b: 0.6, c: 0.6, d: 0.6, e: 0.6, f: 0.6, thin: 0.5 };
    const counts: Record<string, number> = { incumbent: 4_000, b: 200, c: 200, d: 200, e: 200, f: 200, thin: 10 };
    const builder = new QualityModelBuilder();
    for (const model of Object.keys(means)) {
      // Exactly the mean on average, with the spread of a 0/1 score: which rows score 1 is what varies.
      for (let i = 0; i < counts[model]; i++) builder.add('support', model, 'golden', row(rand), i < Math.round(means[model] * counts[model]) ? 1 : 0);
    }
    const thin = builder
      .build([])
      .summaries()
      .find((f) => f.model === 'thin');
    expect(thin?.priorStrength).toBeGreaterThan(0);
    expect(thin?.observedMean).toBeCloseTo(0.5, 5);
    // Pulled up toward 0.65, not toward the pooled rows' (4,000 × 0.9 + 1,000 × 0.6) / 5,000 = 0.84.
    expect(thin?.predicted.mean).toBeGreaterThan(0.5);
    expect(thin?.predicted.mean).toBeLessThan(0.62);
  });

  it('covers the true expected score about 95% of the time (simulated, seeded)', () => {
    const rand = seededRng(3);
    const noise = normal(rand);
    const probe = [1, Math.log1p(500), Math.log1p(3), 1, 0, 0, 0];
    const truth = dotBeta(probe);
    const runs = 300;
    let covered = 0;
    let groupCovered = 0;
    for (let r = 0; r < runs; r++) {
      const builder = new QualityModelBuilder();
      for (let i = 0; i < 150; i++) {
        const x = row(rand);
        builder.add('w', 'm', 'golden', x, dotBeta(x) + 0.1 * noise());
      }
      const model = builder.build([]);
      const p = model.predict('w', 'm', probe);
      if (p && p.interval.low <= truth && truth <= p.interval.high) covered++;
      // A group of 20 new requests at the probe's features: their realised mean.
      const realised = truth + Array.from({ length: 20 }, () => 0.1 * noise()).reduce((s, v) => s + v, 0) / 20;
      const g = model.predictGroup('w', 'm', probe, 20);
      if (g && g.predictive.low <= realised && realised <= g.predictive.high) groupCovered++;
    }
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
    expect(groupCovered / runs).toBeGreaterThan(0.91);
    expect(groupCovered / runs).toBeLessThan(0.99);
  });

  it('maps biased judge scores onto the golden scale before combining sources', () => {
    const rand = seededRng(4);
    const builder = new QualityModelBuilder();
    // The judge is lenient: judge = 0.3 + 0.6 · golden.
    for (let i = 0; i < 500; i++) {
      const x = row(rand);
      builder.add('support', 'a', 'judge', x, 0.3 + 0.6 * 0.5);
    }
    let n = 0;
    let sj = 0;
    let sg = 0;
    let sjj = 0;
    let sgg = 0;
    let sjg = 0;
    for (let i = 0; i < 200; i++) {
      const g = rand();
      const j = 0.3 + 0.6 * g;
      n++;
      sj += j;
      sg += g;
      sjj += j * j;
      sgg += g * g;
      sjg += j * g;
    }
    const pairs = [{ workload: 'support', n, sumJudge: sj, sumGolden: sg, sumJudge2: sjj, sumGolden2: sgg, sumJudgeGolden: sjg }];
    const model = builder.build(pairs, DEFAULT_QUALITY_FIT_OPTIONS);
    const calibration = model.calibration('support');
    expect(calibration?.kind).toBe('linear');
    expect(calibration?.slope).toBeCloseTo(1 / 0.6, 6);
    expect(calibration?.intercept).toBeCloseTo(-0.3 / 0.6, 6);
    expect(model.summaries()[0]?.observedMean).toBeCloseTo(0.5, 6);
  });

  it('counts scores per scorer name per workload × model, beside the counts per source', () => {
    const rand = seededRng(5);
    const builder = new QualityModelBuilder();
    for (let i = 0; i < 40; i++) builder.add('support', 'a', 'judge', row(rand), 0.8, i % 4 === 0 ? 'judge:correctness' : 'judge:helpfulness');
    for (let i = 0; i < 7; i++) builder.add('support', 'a', 'golden', row(rand), 1, 'exact');
    for (let i = 0; i < 5; i++) builder.add('support', 'b', 'golden', row(rand), 1, 'multiple_choice');
    for (let i = 0; i < 3; i++) builder.add('other', 'a', 'golden', row(rand), 1, 'exact');
    // A score added without a scorer name still fits, and is counted by source only.
    builder.add('support', 'b', 'golden', row(rand), 1);
    const fits = new Map(builder.build([]).summaries().map((s) => [`${s.workload}/${s.model}`, s]));
    expect(fits.get('support/a')).toMatchObject({ nBySource: { judge: 40, golden: 7 }, nByScorer: { 'judge:helpfulness': 30, 'judge:correctness': 10, exact: 7 } });
    expect(fits.get('support/b')).toMatchObject({ n: 6, nBySource: { golden: 6 }, nByScorer: { multiple_choice: 5 } });
    expect(fits.get('other/a')?.nByScorer).toEqual({ exact: 3 });
  });

  it('merges builders into the fit of all their rows: the two halves of a cross-fit add up to the whole', () => {
    const rand = seededRng(9);
    const whole = new QualityModelBuilder();
    const halves = [new QualityModelBuilder(), new QualityModelBuilder()];
    for (let i = 0; i < 600; i++) {
      const x = row(rand);
      const model = i % 3 === 0 ? 'b' : 'a';
      const y = dotBeta(x) + (model === 'b' ? -0.1 : 0) + 0.05 * rand();
      whole.add('support', model, i % 2 ? 'judge' : 'golden', x, y, 'exact');
      halves[i % 2].add('support', model, i % 2 ? 'judge' : 'golden', x, y, 'exact');
    }
    const a = whole.build([]).summaries();
    const b = QualityModelBuilder.merged(halves.map((builder) => ({ builder }))).build([]).summaries();
    expect(b.map((s) => [s.model, s.n, s.nBySource, s.nByScorer])).toEqual(a.map((s) => [s.model, s.n, s.nBySource, s.nByScorer]));
    b.forEach((s, i) => expect(s.predicted.mean).toBeCloseTo(a[i].predicted.mean, 10));
  });
});

describe('fitJudgeCalibration', () => {
  it('falls back to an offset from per-model means when no span has both scores', () => {
    const c = fitJudgeCalibration(undefined, [
      { judgeMean: 0.9, judgeN: 100, goldenMean: 0.7, goldenN: 50 },
      { judgeMean: 0.8, judgeN: 100, goldenMean: 0.6, goldenN: 50 },
    ]);
    expect(c.kind).toBe('offset');
    expect(c.intercept).toBeCloseTo(-0.2, 9);
    expect(c.slope).toBe(1);
  });

  it('is the identity without golden evidence', () => {
    expect(fitJudgeCalibration(undefined, [{ judgeMean: 0.9, judgeN: 100, goldenMean: 0, goldenN: 0 }]).kind).toBe('identity');
  });
});
