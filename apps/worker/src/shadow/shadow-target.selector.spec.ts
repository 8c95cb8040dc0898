import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, type NewScore, ScoreRepository } from '@switchyard/db';
import { createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ShadowSource, ShadowTargetSelector } from './shadow-target.selector.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const RUBRIC = 'helpfulness';
const MODELS = ['good', 'weak', 'fresh', 'dud'];

describe('ShadowTargetSelector (real Postgres)', () => {
  let handle: DatabaseHandle;
  let scores: ScoreRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 2 });
    scores = new ScoreRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  /** n judged scores of one model, the first `right` of them 1 and the rest 0. */
  const scored = (workload: string, model: string, n: number, right: number): NewScore[] =>
    Array.from({ length: n }, (_, i) => ({
      spanId: hex(8),
      scorer: `judge:${RUBRIC}`,
      scorerVersion: 'v1',
      source: i % 2 === 0 ? 'judge' : 'shadow',
      status: 'ok',
      score: i < right ? 1 : 0,
      workload,
      model,
    }));

  const selector = (clock: { now: number }) =>
    new ShadowTargetSelector(scores, {
      qualityFloor: { default: { kind: 'relative', share: 0.9 } },
      minSamples: 30,
      windowMs: 86_400_000,
      cacheMs: 5_000,
      now: () => clock.now,
    });

  const source = (workload: string, i: number): ShadowSource => ({ spanId: (0x9e3779b1 * (i + 1)).toString(16).padStart(16, '0').slice(-16), workload, model: 'big' });

  it('spends the probes on the candidates still in doubt, revisiting the ruled-out ones about one call in ten', async () => {
    const workload = `wl-${hex(4)}`;
    // Floor 0.9 × 0.9 = 0.81: good (0.8 on 60) is in doubt, weak (0.3 on 60) and dud (0.1 on 40) are out, fresh has no scores.
    await scores.recordMany([...scored(workload, 'big', 200, 180), ...scored(workload, 'good', 60, 48), ...scored(workload, 'weak', 60, 18), ...scored(workload, 'dud', 40, 4)]);
    const s = selector({ now: Date.now() });
    const counts = new Map<string, number>();
    const calls = 1_000;
    for (let i = 0; i < calls; i++) {
      const picked = await s.choose(source(workload, i), RUBRIC, MODELS, 2);
      expect(picked).toHaveLength(2);
      expect(new Set(picked).size).toBe(2);
      expect(await s.choose(source(workload, i), RUBRIC, MODELS, 2)).toEqual(picked);
      for (const m of picked) counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    // Each revisit turn swaps one of the two in-doubt probes for weak or dud.
    const revisits = (counts.get('weak') ?? 0) + (counts.get('dud') ?? 0);
    expect(revisits).toBeGreaterThan(calls * 0.06);
    expect(revisits).toBeLessThan(calls * 0.14);
    expect(counts.get('weak')).toBeGreaterThan(0);
    expect(counts.get('dud')).toBeGreaterThan(0);
    expect((counts.get('good') ?? 0) + (counts.get('fresh') ?? 0)).toBe(2 * calls - revisits);
  });

  it('reads the scores again once its cache expires, and explores evenly before anything is known', async () => {
    const workload = `wl-${hex(4)}`;
    const clock = { now: Date.now() };
    const s = selector(clock);
    // Nothing scored yet: this read (cached) rules nothing out.
    expect(await s.choose(source(workload, 3), RUBRIC, ['weak', 'good'], 1)).toHaveLength(1);
    // Now weak turns out bad: within the cache's life nothing changes, after it weak stops being probed.
    await scores.recordMany([...scored(workload, 'big', 100, 90), ...scored(workload, 'weak', 100, 10)]);
    const firstPicks = await Promise.all([...Array(40).keys()].map((i) => s.choose(source(workload, i), RUBRIC, ['weak', 'good'], 1)));
    expect(firstPicks.flat()).toContain('weak');
    clock.now += 5_001;
    const later = await Promise.all([...Array(40).keys()].map((i) => s.choose(source(workload, i), RUBRIC, ['weak', 'good'], 1)));
    // Only revisit turns still probe weak.
    expect(later.flat().filter((m) => m === 'weak').length).toBeLessThan(10);
    expect(later.flat().filter((m) => m === 'good').length).toBeGreaterThan(30);
  });

  it('falls back on the span id alone when it cannot say which model served the call', async () => {
    const s = selector({ now: Date.now() });
    expect(await s.choose({ ...source('any', 1), model: null }, RUBRIC, MODELS, 4)).toEqual(MODELS);
  });
});
