import { describe, expect, it } from 'vitest';
import { canaryChartSeries, drawable } from './canary-chart.series';
import { armQuality, errorRate, qualityDifference, t975 } from './canary-stats';
import type { CanaryArmStats, CanaryCheck } from '@switchyard/contracts';
import { type CanaryStep, canaryMeasurements, decisionReason, measurementsFromChecks, measurementsFromSteps, scheduledSteps } from './canary-steps.parse';

const arm = (over: Partial<CanaryArmStats>): CanaryArmStats => ({ calls: 400, errors: 4, scored: 200, meanScore: 0.8, scoreVariance: 0.04, p95LatencyMs: 900, meanCostUsd: 0.001, costVariance: 0, costed: 400, ...over });

/** A step log as the gateway returns it for a rollout that passed two steps and was promoted. */
const LOG: CanaryStep[] = [
  { action: 'commented', actor: 'alice', comment: 'canary scheduled for 2026-11-23T10:00:00.000Z', at: '2026-11-23T09:59:00.000Z', details: { schedule: { steps: [0.05, 0.25, 1], minDwellMs: 600000 } } },
  { action: 'canary_started', actor: 'alice', comment: 'step 1: 5% of callers', at: '2026-11-23T10:00:00.000Z', details: { step: 0, share: 0.05, versionId: 'pv_1', stepStartedAt: 1 } },
  {
    action: 'canary_step',
    actor: 'canary',
    comment: 'step 2: 25% of callers (quality −1.00% [−3.00%, +1.00%] on 200/210 judged calls: non-inferior within the 4.00% margin)',
    // Out of order on purpose: the helper sorts by time.
    at: '2026-11-23T10:20:00.000Z',
    details: { step: 1, share: 0.25, versionId: 'pv_2', stepStartedAt: 2, measurement: { canary: arm({ meanScore: 0.79, calls: 300, errors: 6 }), control: arm({ scored: 210, p95LatencyMs: 850 }) } },
  },
  { action: 'promoted', actor: 'canary', comment: 'quality +0.50% [−1.00%, +2.00%]: non-inferior', at: '2026-11-23T10:40:00.000Z', details: { versionId: 'pv_3', measurement: { canary: arm({ meanScore: 0.805 }), control: arm({}) } } },
  // A malformed measurement is skipped, not drawn as zeros.
  { action: 'commented', actor: 'bob', comment: 'looks fine', at: '2026-11-23T10:30:00.000Z', details: { measurement: { canary: { calls: 'many' }, control: arm({}) } } as unknown as CanaryStep['details'] },
];

describe('measurementsFromSteps', () => {
  it('reads each measurement with the step and share it was measured over, oldest first', () => {
    const ms = measurementsFromSteps(LOG);
    expect(ms.map((m) => ({ at: m.at, step: m.step, share: m.share }))).toEqual([
      // The canary_step event that opens step 2 carries step 1's measurement, taken at 5%.
      { at: '2026-11-23T10:20:00.000Z', step: 0, share: 0.05 },
      // A check event's measurement is of the step running at the time.
      { at: '2026-11-23T10:40:00.000Z', step: 1, share: 0.25 },
    ]);
    expect(ms[0].canary.calls).toBe(300);
    expect(ms[0].canary.errors).toBe(6);
    expect(ms[0].canary.scored).toBe(200);
    expect(ms[0].canary.p95LatencyMs).toBe(900);
    expect(ms[0].canary.quality?.value).toBe(0.79);
    expect(ms[0].control.scored).toBe(210);
    // The difference is recomputed with Welch's interval, as the worker judged it.
    expect(ms[0].qualityDelta?.value).toBeCloseTo(-0.01, 10);
    expect(ms[0].verdict).toBe('pass');
    expect(ms[1].verdict).toBeNull();
  });

  it('finds nothing in a log without measurements', () => {
    expect(measurementsFromSteps(LOG.slice(0, 2))).toEqual([]);
  });
});

const armCheck = (over: Partial<CanaryCheck['canary']>): CanaryCheck['canary'] => ({ calls: 120, errors: 1, errorRate: 1 / 120, scored: 60, quality: { mean: 0.8, low: 0.75, high: 0.85 }, p95LatencyMs: 700, meanCostUsd: 0.001, ...over });
const CHECKS: CanaryCheck[] = [
  { at: '2026-11-23T10:12:00.000Z', step: 0, share: 0.05, versionId: 'pv_1', verdict: 'pass', reason: 'non-inferior', canary: armCheck({ quality: { mean: 0.79, low: 0.76, high: 0.82 } }), control: armCheck({}), qualityDelta: { delta: -0.01, low: -0.05, high: 0.03 } },
  { at: '2026-11-23T10:11:00.000Z', step: 0, share: 0.05, versionId: 'pv_1', verdict: 'wait', reason: 'dwelling: 60 s of 600 s', canary: armCheck({ scored: 1, quality: null }), control: armCheck({}), qualityDelta: null },
];

describe('measurementsFromChecks', () => {
  it("takes the server's intervals, adds a Wilson interval to the error rate, and sorts by time", () => {
    const ms = measurementsFromChecks(CHECKS);
    expect(ms.map((m) => [m.at, m.verdict, m.reason])).toEqual([
      ['2026-11-23T10:11:00.000Z', 'wait', 'dwelling: 60 s of 600 s'],
      ['2026-11-23T10:12:00.000Z', 'pass', 'non-inferior'],
    ]);
    expect(ms[0].canary.quality).toBeNull();
    expect(ms[1].canary.quality).toEqual({ value: 0.79, low: 0.76, high: 0.82 });
    expect(ms[1].qualityDelta).toEqual({ value: -0.01, low: -0.05, high: 0.03 });
    expect(ms[1].canary.errorRate?.value).toBeCloseTo(1 / 120, 10);
    expect(ms[1].canary.errorRate?.low).toBeGreaterThan(0);
    expect(ms[1].canary.errorRate?.high).toBeGreaterThan(1 / 120);
    expect(ms[1].step).toBe(0);
    expect(ms[1].share).toBe(0.05);
  });

  it('skips a check it cannot read, and falls back to the step log when there are no checks', () => {
    expect(measurementsFromChecks([{ at: 'yesterday', canary: {}, control: {} }, null, 3])).toEqual([]);
    expect(canaryMeasurements({ steps: LOG, checks: CHECKS }).map((m) => m.at)).toEqual(['2026-11-23T10:11:00.000Z', '2026-11-23T10:12:00.000Z']);
    expect(canaryMeasurements({ steps: LOG, checks: [] }).map((m) => m.at)).toEqual(['2026-11-23T10:20:00.000Z', '2026-11-23T10:40:00.000Z']);
    // An older gateway without `checks` at all.
    expect(canaryMeasurements({ steps: LOG })).toHaveLength(2);
  });
});

describe('scheduledSteps and decisionReason', () => {
  it('reads the scheduled shares and why each step moved', () => {
    expect(scheduledSteps(LOG)).toEqual({ at: '2026-11-23T09:59:00.000Z', startsAt: '2026-11-23T09:59:00.000Z', shares: [0.05, 0.25, 1] });
    expect(decisionReason(LOG[2])).toBe('quality −1.00% [−3.00%, +1.00%] on 200/210 judged calls: non-inferior within the 4.00% margin');
    expect(decisionReason(LOG[3])).toBe('quality +0.50% [−1.00%, +2.00%]: non-inferior');
    expect(decisionReason({ action: 'rolled_back', actor: 'carol', comment: 'customer escalation', at: '2026-11-23T11:00:00.000Z', details: { aborted: true, restored: 'pv_0' } })).toBe('aborted by carol');
    expect(decisionReason(LOG[1])).toBeNull();
  });
});

describe('canary statistics', () => {
  it('uses Student t for small counts and approaches 1.96', () => {
    expect(t975(1)).toBeCloseTo(12.706, 3);
    expect(t975(10)).toBeCloseTo(2.228, 3);
    expect(t975(40)).toBeCloseTo(2.021, 3);
    expect(t975(398)).toBeCloseTo(1.966, 3);
    expect(t975(1e9)).toBeCloseTo(1.96, 3);
  });

  it("gives an arm's mean quality a t interval, and none below two judged calls", () => {
    // se = sqrt(0.04 / 200) = 0.014142; t(199) = 1.972
    const q = armQuality(arm({}));
    expect(q?.value).toBe(0.8);
    expect(q?.high).toBeCloseTo(0.8 + 1.972 * 0.0141421, 4);
    expect(q?.low).toBeCloseTo(0.8 - 1.972 * 0.0141421, 4);
    expect(q?.n).toBe(200);
    expect(armQuality(arm({ scored: 1 }))).toBeNull();
    expect(armQuality(arm({ meanScore: null }))).toBeNull();
  });

  it("matches Welch's interval for canary − control", () => {
    // se = sqrt(0.0002 + 0.0002) = 0.02, df = 398, t = 1.9659
    const d = qualityDifference(arm({ meanScore: 0.8 }), arm({ meanScore: 0.82 }));
    expect(d?.value).toBeCloseTo(-0.02, 10);
    expect(d?.low).toBeCloseTo(-0.02 - 1.9659 * 0.02, 4);
    expect(d?.high).toBeCloseTo(-0.02 + 1.9659 * 0.02, 4);
    expect(d?.n).toBe(400);
  });

  it('gives error rates a Wilson interval that stays above zero errors', () => {
    const none = errorRate(100, 0);
    expect(none?.value).toBe(0);
    expect(none?.low).toBe(0);
    expect(none?.high).toBeCloseTo(0.037, 3);
    const some = errorRate(100, 10);
    expect(some?.low).toBeCloseTo(0.0552, 3);
    expect(some?.high).toBeCloseTo(0.1744, 3);
    expect(errorRate(0, 0)).toBeNull();
  });
});

describe('canaryChartSeries', () => {
  it('draws both arms with interval bands, the predicted level dashed, error rate and p95 latency', () => {
    const charts = canaryChartSeries(measurementsFromSteps(LOG), -0.01);
    expect(charts.x).toEqual([Date.parse('2026-11-23T10:20:00.000Z') / 1000, Date.parse('2026-11-23T10:40:00.000Z') / 1000]);

    expect(charts.quality.map((s) => s.label)).toEqual(['Canary quality', 'Control quality', 'Predicted canary quality']);
    const [canary, control, predicted] = charts.quality;
    expect(canary.values).toEqual([0.79, 0.805]);
    expect(control.values).toEqual([0.8, 0.8]);
    expect(canary.band?.low[0]).toBeCloseTo(0.79 - 1.972 * 0.0141421, 4);
    expect(canary.band?.high[0]).toBeCloseTo(0.79 + 1.972 * 0.0141421, 4);
    expect(predicted.dashed).toBe(true);
    // The predicted level is the control's measured mean plus the predicted change.
    expect(predicted.values[0]).toBeCloseTo(0.79, 10);
    expect(predicted.band).toBeUndefined();

    expect(charts.errorRate.map((s) => s.values)).toEqual([
      [6 / 300, 4 / 400],
      [4 / 400, 4 / 400],
    ]);
    expect(charts.errorRate[0].band?.low.every((v) => v !== null && v >= 0)).toBe(true);
    expect(charts.p95LatencyMs.map((s) => s.values)).toEqual([
      [900, 900],
      [850, 900],
    ]);
  });

  it('leaves gaps (null), not zeros, where an arm has no judged calls yet, and omits the prediction when there is none', () => {
    const [m] = measurementsFromSteps([{ ...LOG[2], details: { step: 1, share: 0.25, measurement: { canary: arm({ scored: 0, meanScore: null, p95LatencyMs: null }), control: arm({}) } } }]);
    const charts = canaryChartSeries([m], null);
    expect(charts.quality).toHaveLength(2);
    expect(charts.quality[0].values).toEqual([null]);
    expect(charts.quality[0].band).toEqual({ low: [null], high: [null] });
    expect(charts.p95LatencyMs[0].values).toEqual([null]);
  });
});

describe('drawable', () => {
  it('needs two times with a value: all-null checks (no calls yet) draw no empty chart', () => {
    const empty = { label: 'a', color: '#000', values: [null, null, null] };
    expect(drawable([empty, { ...empty, label: 'b' }])).toBe(false);
    expect(drawable([{ ...empty, values: [0.5, null, null] }, empty])).toBe(false);
    expect(drawable([{ ...empty, values: [0.5, null, null] }, { ...empty, values: [null, null, 0.7] }])).toBe(true);
    expect(drawable([])).toBe(false);
  });
});
