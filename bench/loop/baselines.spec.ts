import { describe, expect, it } from 'vitest';
import { baselines, mostExpensiveModel, oracleModel, perWorkloadStaticBest } from './baselines.js';
import type { FleetRow, Prices } from './fleet.js';

// Prices per 1M tokens; every answer is 1,000,000 prompt tokens and no output, so a call costs the input price.
const prices: Prices = {
  big: { input_usd_per_mtok: 10, output_usd_per_mtok: 0 },
  mid: { input_usd_per_mtok: 2, output_usd_per_mtok: 0 },
  small: { input_usd_per_mtok: 1, output_usd_per_mtok: 0 },
};
const models = Object.keys(prices);
const row = (id: string, workload: string, scores: Record<string, number>): FleetRow => ({
  id,
  workload,
  messages: [{ role: 'user', content: id }],
  candidates: Object.fromEntries(Object.entries(scores).map(([m, score]) => [m, { content: '', score, usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } }])),
});
// Workload a: big 4/4, mid 4/4 (cheaper, equal), small 1/4. Workload b: big 4/4, mid 2/4, small 1/4 (all wrong on b4).
const rows = [
  row('a1', 'a', { big: 1, mid: 1, small: 1 }),
  row('a2', 'a', { big: 1, mid: 1, small: 0 }),
  row('a3', 'a', { big: 1, mid: 1, small: 0 }),
  row('a4', 'a', { big: 1, mid: 1, small: 0 }),
  row('b1', 'b', { big: 1, mid: 1, small: 1 }),
  row('b2', 'b', { big: 1, mid: 1, small: 0 }),
  row('b3', 'b', { big: 1, mid: 0, small: 0 }),
  row('b4', 'b', { big: 0, mid: 0, small: 0 }),
];

describe('loop bench baselines', () => {
  it('oracle: the cheapest correct model per row, else the cheapest', () => {
    expect(oracleModel(rows[0], prices, models)).toBe('small');
    expect(oracleModel(rows[1], prices, models)).toBe('mid');
    expect(oracleModel(rows[6], prices, models)).toBe('big');
    expect(oracleModel(rows[7], prices, models)).toBe('small');
  });

  it('per-workload static best: the cheapest within 95% of the workload best', () => {
    expect(perWorkloadStaticBest(rows, prices, models)).toEqual({ a: 'mid', b: 'big' });
    expect(perWorkloadStaticBest(rows, prices, models, 0.6)).toEqual({ a: 'mid', b: 'mid' });
  });

  it('start model: the most expensive per request', () => {
    expect(mostExpensiveModel(rows, prices, models)).toBe('big');
  });

  it('computes every baseline from the recording', () => {
    const b = baselines(rows, prices, models, 'big');
    expect(b.always_start).toMatchObject({ model: 'big', quality: 7 / 8, cost_per_request: 10, requests: 8 });
    // big and mid tie on nothing: big 7/8, mid 6/8.
    expect(b.always_best).toMatchObject({ model: 'big', quality: 7 / 8, cost_per_request: 10 });
    expect(b.always_cheapest).toMatchObject({ model: 'small', quality: 2 / 8, cost_per_request: 1 });
    // Oracle: a1 small, a2-a4 mid, b1 small, b2 mid, b3 big, b4 small (wrong).
    expect(b.oracle.quality).toBe(7 / 8);
    expect(b.oracle.cost_per_request).toBeCloseTo((1 + 2 * 3 + 1 + 2 + 10 + 1) / 8, 12);
    expect(b.per_workload_static_best).toMatchObject({ models: { a: 'mid', b: 'big' }, quality: 7 / 8, cost_per_request: 6 });
  });
});
