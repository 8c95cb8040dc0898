import type { QualityCell } from '@switchyard/contracts';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { QualityHeatmap } from './quality-heatmap.component';
import { heatmapOf, shadeOf, sourcesOf } from './quality-heatmap';

const cell = (workload: string, model: string, source: QualityCell['source'], mean: number, low: number, high: number, n: number): QualityCell => ({ workload, model, source, mean, low, high, n, method: 'wilson' });

const CELLS: QualityCell[] = [
  cell('arc', 'gpt-4', 'judge', 0.9, 0.85, 0.94, 200),
  cell('arc', 'yi', 'judge', 0.5, 0.41, 0.59, 120),
  cell('winogrande', 'gpt-4', 'judge', 0.8, 0.7, 0.87, 90),
  cell('arc', 'yi', 'golden', 0.62, 0.55, 0.68, 300),
];

describe('quality heatmap shaping', () => {
  it('lays one source out as workload × model, with gaps where there are no scores', () => {
    const map = heatmapOf(CELLS, 'judge');
    expect(map.workloads).toEqual(['arc', 'winogrande']);
    expect(map.models).toEqual(['gpt-4', 'yi']);
    expect(map.cells.arc.yi?.n).toBe(120);
    expect(map.cells.winogrande.yi).toBeUndefined();
    expect(sourcesOf(CELLS)).toEqual(['judge', 'golden']);
  });

  it('shades red at 0, green at 1, and clamps', () => {
    expect(shadeOf(0)).toBe('hsl(0, 70%, 85%)');
    expect(shadeOf(0.5)).toBe('hsl(60, 70%, 85%)');
    expect(shadeOf(1)).toBe('hsl(120, 70%, 85%)');
    expect(shadeOf(1.2)).toBe(shadeOf(1));
  });
});

describe('QualityHeatmap', () => {
  afterEach(cleanup);

  it('puts mean, interval and n in each cell text, shaded by the mean', () => {
    render(<QualityHeatmap cells={CELLS} />);
    const table = screen.getByRole('table');
    const rows = within(table).getAllByRole('row');
    expect(within(rows[0]).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Workload', 'gpt-4', 'yi']);
    const arc = within(rows[1]).getAllByRole('cell');
    expect(within(rows[1]).getByRole('rowheader').textContent).toBe('arc');
    expect(arc[0].textContent).toBe('90.0%[85.0%, 94.0%]n = 200');
    expect(arc[0].style.background).toBe(shadeOf(0.9).replace(/hsl\((\d+), 70%, 85%\)/, (_m, h: string) => hslToRgb(Number(h))));
    expect(arc[1].textContent).toBe('50.0%[41.0%, 59.0%]n = 120');
    const wino = within(rows[2]).getAllByRole('cell');
    expect(wino[1].textContent).toBe('no scores');
    expect(wino[1].style.background).toBe('');
  });

  it('switches score source', () => {
    render(<QualityHeatmap cells={CELLS} />);
    fireEvent.change(screen.getByLabelText('Score source'), { target: { value: 'golden' } });
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows).toHaveLength(2);
    expect(within(rows[1]).getAllByRole('cell')[0].textContent).toBe('62.0%[55.0%, 68.0%]n = 300');
  });

  it('says so when there are no scores', () => {
    render(<QualityHeatmap cells={[]} />);
    expect(screen.getByText('No scores in this window yet.')).toBeTruthy();
  });
});

/** jsdom normalises an hsl() background to rgb(); this is the same conversion for s = 70%, l = 85%. */
function hslToRgb(hue: number): string {
  const s = 0.7;
  const l = 0.85;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return `rgb(${f(0)}, ${f(8)}, ${f(4)})`;
}
