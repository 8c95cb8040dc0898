import { describe, expect, it } from 'vitest';
import { environmentStamp, median, medianOf } from './bench-report.js';

describe('bench report', () => {
  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reports the per-field median over trials, nested, and keeps every trial', async () => {
    const values = [
      { rps: 100, latency: { p50: 3, p99: 9 }, label: 'a' },
      { rps: 300, latency: { p50: 1, p99: 30 }, label: 'b' },
      { rps: 200, latency: { p50: 2, p99: 10 }, label: 'c' },
    ];
    const { median: m, trials } = await medianOf(3, (i) => Promise.resolve(values[i]));
    expect(m).toEqual({ rps: 200, latency: { p50: 2, p99: 10 }, label: 'a' });
    expect(trials).toHaveLength(3);
  });

  it('stamps the environment', () => {
    const stamp = environmentStamp();
    expect(stamp.node).toBe(process.version);
    expect(stamp.cpus).toBeGreaterThan(0);
    expect(stamp.loadavg).toHaveLength(3);
  });
});
