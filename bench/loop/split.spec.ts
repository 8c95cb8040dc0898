import { describe, expect, it } from 'vitest';
import type { FleetRow } from './fleet.js';
import { splitByPrompt } from './split.js';

const row = (id: string, workload: string, prompt: string): FleetRow => ({ id, workload, messages: [{ role: 'user', content: prompt }], candidates: {} });
const rows = Array.from({ length: 300 }, (_, i) => row(`w${i % 3}/${i}`, `w${i % 3}`, `prompt ${i}`));

describe('splitByPrompt', () => {
  it('puts every row on exactly one side, at the asked fraction', () => {
    const { train, test } = splitByPrompt(rows, 7, 0.6);
    expect(train).toHaveLength(180);
    expect(test).toHaveLength(120);
    expect(new Set([...train, ...test].map((r) => r.id)).size).toBe(300);
  });

  it('is the same for the same seed whatever the input order, and differs across seeds', () => {
    const a = splitByPrompt(rows, 7, 0.6);
    const b = splitByPrompt([...rows].reverse(), 7, 0.6);
    expect(b.train.map((r) => r.id)).toEqual(a.train.map((r) => r.id));
    expect(b.test.map((r) => r.id)).toEqual(a.test.map((r) => r.id));
    const c = splitByPrompt(rows, 8, 0.6);
    expect(new Set(c.test.map((r) => r.id))).not.toEqual(new Set(a.test.map((r) => r.id)));
  });

  it('keeps rows that share a prompt on one side', () => {
    const dup = [...rows, row('w0/dup-a', 'w0', 'same words'), row('w0/dup-b', 'w0', ' same words ')];
    for (const seed of [1, 2, 3, 4, 5]) {
      const { train } = splitByPrompt(dup, seed, 0.5);
      const inTrain = train.filter((r) => r.id.startsWith('w0/dup-')).length;
      expect([0, 2]).toContain(inTrain);
    }
  });

  it('interleaves the workloads in the train order', () => {
    const { train } = splitByPrompt(rows, 3, 0.6);
    const firstThird = train.slice(0, 60);
    for (const w of ['w0', 'w1', 'w2']) expect(firstThird.filter((r) => r.workload === w).length).toBeGreaterThan(8);
  });

  it('refuses a fraction outside (0, 1)', () => {
    expect(() => splitByPrompt(rows, 1, 1)).toThrow(/train fraction/);
  });
});
