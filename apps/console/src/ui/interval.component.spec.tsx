import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { points } from './format';
import { IntervalWhisker, paddedDomain } from './interval.component';

const positions = (g: Element) => {
  const [bar, lowTick, highTick] = Array.from(g.querySelectorAll('line'));
  return { x1: Number(bar.getAttribute('x1')), x2: Number(bar.getAttribute('x2')), low: Number(lowTick.getAttribute('x1')), high: Number(highTick.getAttribute('x1')), dot: Number(g.querySelector('circle')?.getAttribute('cx')) };
};

describe('IntervalWhisker', () => {
  it('draws the interval around the point on an axis through zero, and says it in text with units and n', () => {
    render(<IntervalWhisker value={{ delta: -0.012, low: -0.031, high: 0.007 }} format={(v) => points(v)} samples={473} label="Predicted Δquality" domain={[-0.04, 0.01]} width={216} />);
    const svg = screen.getByRole('img', { name: /Predicted Δquality: −1.2 pts \[−3.1 pts, \+0.7 pts\], n = 473/ });
    const g = svg.querySelector('.interval-primary');
    if (!g) throw new Error('no whisker');
    const p = positions(g);
    // 8 px margins on a 216 px axis from −0.04 to 0.01: 4 px per 0.001.
    expect(p.low).toBeCloseTo(8 + 9 * 4, 5);
    expect(p.high).toBeCloseTo(8 + 47 * 4, 5);
    expect(p.dot).toBeCloseTo(8 + 28 * 4, 5);
    expect(p.x1).toBe(p.low);
    expect(p.x2).toBe(p.high);
    const zero = svg.querySelector('.interval-zero');
    expect(Number(zero?.getAttribute('x1'))).toBeCloseTo(8 + 40 * 4, 5);
    expect(svg.parentElement?.textContent).toContain('n = 473');
  });

  it('puts a measurement beside the prediction on the same axis', () => {
    render(
      <IntervalWhisker
        value={{ delta: -0.01, low: -0.02, high: 0 }}
        compare={{ value: { delta: -0.03, low: -0.05, high: -0.01 }, label: 'Measured' }}
        format={(v) => points(v)}
        samples={100}
        label="Predicted"
      />,
    );
    const svg = screen.getByTestId('interval-whisker');
    const primary = svg.querySelector('.interval-primary');
    const compare = svg.querySelector('.interval-compare');
    if (!primary || !compare) throw new Error('missing rows');
    expect(positions(compare).low).toBeLessThan(positions(primary).low);
    expect(compare.getAttribute('data-delta')).toBe('-0.03');
    expect(svg.querySelector('title')?.textContent).toContain('Measured: −3.0 pts [−5.0 pts, −1.0 pts]');
  });

  it('omits the sample count only when none is given, and keeps zero in the default domain', () => {
    render(<IntervalWhisker value={{ delta: 0.02, low: 0.01, high: 0.03 }} format={(v) => points(v)} samples={null} label="Δ" />);
    expect(screen.getByTestId('interval-whisker').parentElement?.textContent).not.toContain('n =');
    const [min, max] = paddedDomain([{ delta: 0.02, low: 0.01, high: 0.03 }]);
    expect(min).toBeLessThan(0);
    expect(max).toBeGreaterThan(0.03);
  });
});
