import { describe, expect, it } from 'vitest';
import { normalQuantile, studentTCdf, studentTQuantile, zForConfidence } from './distributions.js';

// Reference values from scipy.stats (norm.ppf, t.ppf, t.cdf).
describe('normalQuantile', () => {
  it.each([
    [0.975, 1.959963984540054],
    [0.9, 1.2815515655446004],
    [0.995, 2.5758293035489004],
    [0.5, 0],
    [1e-10, -6.361340902404056],
  ])('Φ⁻¹(%s) = %s', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 12);
  });

  it('is antisymmetric and rejects p outside (0, 1)', () => {
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 12);
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('zForConfidence gives the two-sided critical value', () => {
    expect(zForConfidence(0.95)).toBeCloseTo(1.959963984540054, 12);
    expect(zForConfidence(0.99)).toBeCloseTo(2.5758293035489004, 12);
    expect(() => zForConfidence(1)).toThrow(/confidence/);
  });
});

describe('Student t', () => {
  it.each([
    [1, 12.706204736174694],
    [2, 4.302652729749462],
    [4.5, 2.6589123472044034],
    [10, 2.228138851986274],
    [24.984, 2.059605432969786],
    [1000, 1.9623390808264083],
  ])('t(0.975; df=%s) = %s', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 8);
    expect(studentTQuantile(0.025, df)).toBeCloseTo(-t, 8);
  });

  it.each([
    [1, 0.8524163823495667],
    [2, 0.908248290463863],
    [10, 0.9633059826146299],
  ])('P(T <= 2; df=%s) = %s', (df, p) => {
    expect(studentTCdf(2, df)).toBeCloseTo(p, 12);
    expect(studentTCdf(-2, df)).toBeCloseTo(1 - p, 12);
  });
});
