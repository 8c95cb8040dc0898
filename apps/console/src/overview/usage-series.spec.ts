import type { UsageRow } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { OTHER, shapeUsage, UNSERVED } from './usage-series';

const FROM = '2026-11-23T00:00:00.000Z';
const TO = '2026-11-23T04:00:00.000Z';
const at = (hour: number) => `2026-11-23T0${hour}:00:00.000Z`;
const row = (hour: number, workload: string, model: string | null, requests: number, costUsd: number | null, errors = 0): UsageRow => ({ bucket: at(hour), workload, model, requests, errors, costUsd, latencyP95Ms: null });

describe('shapeUsage', () => {
  const data = [row(0, 'arc', 'gpt-4', 10, 0.5, 1), row(0, 'arc', 'yi', 4, 0.01), row(0, 'chat', 'gpt-4', 2, 0.1), row(2, 'arc', 'gpt-4', 6, 0.3), row(3, 'chat', null, 3, null, 3)];

  it('aligns every bucket of the window (empty ones zero) per workload, busiest first', () => {
    const s = shapeUsage({ from: FROM, to: TO, bucket: '1h', data }, 'workload');
    expect(s.x).toEqual([0, 1, 2, 3].map((h) => Date.parse(at(h)) / 1000));
    expect(s.groups.map((g) => g.label)).toEqual(['arc', 'chat']);
    const [arc, chat] = s.groups;
    expect(arc.requests).toEqual([14, 0, 6, 0]);
    expect(arc.errors).toEqual([1, 0, 0, 0]);
    expect(arc.costUsd.map((c) => (c === null ? null : Number(c.toFixed(4))))).toEqual([0.51, 0, 0.3, 0]);
    expect(arc.totalRequests).toBe(20);
    expect(chat.requests).toEqual([2, 0, 0, 3]);
    // Calls without a price make that bucket's cost unknown, not zero, and the total a lower bound.
    expect(chat.costUsd).toEqual([0.1, 0, 0, null]);
    expect(chat.costIncomplete).toBe(true);
    expect(chat.totalErrors).toBe(3);
  });

  it('groups by model, naming unserved calls', () => {
    const s = shapeUsage({ from: FROM, to: TO, bucket: '1h', data }, 'model');
    expect(s.groups.map((g) => [g.label, g.requests])).toEqual([
      ['gpt-4', [12, 0, 6, 0]],
      ['yi', [4, 0, 0, 0]],
      [UNSERVED, [0, 0, 0, 3]],
    ]);
  });

  it('sums the quietest groups into "other" past the limit', () => {
    const s = shapeUsage({ from: FROM, to: TO, bucket: '1h', data }, 'model', 2);
    expect(s.groups.map((g) => [g.label, g.requests, g.costUsd])).toEqual([
      ['gpt-4', [12, 0, 6, 0], [0.6, 0, 0.3, 0]],
      [OTHER, [4, 0, 0, 3], [0.01, 0, 0, null]],
    ]);
  });

  it('ignores rows outside the window and returns no groups for no data', () => {
    const s = shapeUsage({ from: FROM, to: TO, bucket: '1h', data: [row(5, 'arc', 'gpt-4', 1, 0)] }, 'workload');
    expect(s.x).toHaveLength(4);
    expect(s.groups).toEqual([]);
  });
});
