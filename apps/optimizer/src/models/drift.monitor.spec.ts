import { seededRng } from '@switchyard/routing';
import { describe, expect, it } from 'vitest';
import { describeDrift, DriftMonitor } from './drift.monitor.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const hoursAgo = (h: number): Date => new Date(NOW - h * 3_600_000);
const OPTIONS = { recentMs: 24 * 3_600_000, minSamples: 30, minDrop: 0.03 };

/** Bernoulli(p) scores for a workload × model × source, `n` of them `ageHours` old. */
function feed(m: DriftMonitor, model: string, source: 'judge' | 'golden', p: number, n: number, ageHours: number, seed: number): void {
  const rng = seededRng(seed);
  for (let i = 0; i < n; i++) m.add('arc', model, source, rng() < p ? 1 : 0, hoursAgo(ageHours));
}

describe('DriftMonitor', () => {
  it('finds a model whose recent scores fell well below its history, and only that one', () => {
    const m = new DriftMonitor(NOW - OPTIONS.recentMs, OPTIONS);
    feed(m, 'gpt-4', 'judge', 0.94, 800, 72, 1);
    feed(m, 'gpt-4', 'judge', 0.6, 80, 2, 2);
    feed(m, 'yi', 'judge', 0.86, 800, 72, 3);
    feed(m, 'yi', 'judge', 0.86, 80, 2, 4);
    const findings = m.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ workload: 'arc', model: 'gpt-4', source: 'judge', recent: { n: 80 }, history: { n: 800 } });
    expect(findings[0].drop.high).toBeLessThan(-0.03);
    expect(describeDrift(findings[0])).toMatch(/^gpt-4 on arc scored \d+\.\d% \(judge, 80 recent\) against 9\d\.\d% before \(800\)$/);
  });

  it('ignores a change of score mix, thin evidence, and a drop within minDrop', () => {
    const m = new DriftMonitor(NOW - OPTIONS.recentMs, OPTIONS);
    // Golden scores used to be all there was; now lower-scoring judge scores arrive: not a drift.
    feed(m, 'a', 'golden', 0.95, 500, 72, 5);
    feed(m, 'a', 'judge', 0.75, 100, 2, 6);
    // A real drop, but on 10 recent scores.
    feed(m, 'b', 'judge', 0.95, 500, 72, 7);
    feed(m, 'b', 'judge', 0.5, 10, 2, 8);
    // A sure but small drop (2 points on 20k scores each side).
    feed(m, 'c', 'judge', 0.9, 20_000, 72, 9);
    feed(m, 'c', 'judge', 0.88, 20_000, 2, 10);
    expect(m.findings()).toEqual([]);
  });
});
