import type { CanarySchedule } from '@switchyard/contracts';
import type { CanaryArmStats, CanaryMeasurement } from '@switchyard/db';
import { welchFromSummaries, type WelchResult } from '@switchyard/scoring';

export type CanaryVerdict =
  | { kind: 'wait'; reason: string }
  | { kind: 'pass'; reason: string; quality: WelchResult }
  | { kind: 'fail'; reason: string; quality?: WelchResult };

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const errorRate = (a: CanaryArmStats): number => (a.calls ? a.errors / a.calls : 0);

/**
 * Whether a canary step may advance: the canary arm must be non-inferior to the control on judged
 * quality (the lower end of the 95% Welch interval for canary − control at or above −margin, where
 * the margin is the schedule's tolerance plus `acceptedDrop`, the drop the reviewer approved),
 * and must not raise the error rate or p95 latency beyond their tolerances. Too little data waits;
 * a step that stays inconclusive past `maxStepMs` fails, because an unproven rollout is not promoted.
 */
export function judgeCanaryStep(m: CanaryMeasurement, s: CanarySchedule, elapsedMs: number, acceptedDrop = 0): CanaryVerdict {
  const margin = s.tolerance + Math.max(0, acceptedDrop);
  const marginText = acceptedDrop > 0 ? `${pct(margin)} margin (the approved drop ${pct(acceptedDrop)} plus the ${pct(s.tolerance)} tolerance)` : `${pct(s.tolerance)} tolerance`;
  const { canary, control } = m;
  const enoughCalls = canary.calls >= s.minSamplesPerStep && control.calls >= s.minSamplesPerStep;
  if (enoughCalls) {
    const rise = errorRate(canary) - errorRate(control);
    if (rise > s.errorRateTolerance) return { kind: 'fail', reason: `error rate ${pct(errorRate(canary))} vs ${pct(errorRate(control))} on the control, beyond the ${pct(s.errorRateTolerance)} tolerance` };
  }
  const overdue = elapsedMs > s.maxStepMs;
  if (elapsedMs < s.minDwellMs) return { kind: 'wait', reason: `dwelling: ${Math.round(elapsedMs / 1000)} s of ${Math.round(s.minDwellMs / 1000)} s` };
  if (canary.scored < s.minSamplesPerStep || control.scored < s.minSamplesPerStep || canary.meanScore === null || control.meanScore === null) {
    const counts = `${canary.scored} canary and ${control.scored} control judged calls of ${s.minSamplesPerStep} needed`;
    return overdue ? { kind: 'fail', reason: `inconclusive after ${Math.round(elapsedMs / 60_000)} min: ${counts}` } : { kind: 'wait', reason: counts };
  }
  const quality = welchFromSummaries(
    { n: canary.scored, mean: canary.meanScore, variance: canary.scoreVariance ?? 0 },
    { n: control.scored, mean: control.meanScore, variance: control.scoreVariance ?? 0 },
  );
  const delta = `quality ${quality.diff >= 0 ? '+' : ''}${pct(quality.diff)} [${pct(quality.low)}, ${pct(quality.high)}] on ${canary.scored}/${control.scored} judged calls`;
  if (quality.high < -margin) return { kind: 'fail', reason: `${delta}: worse than the control by more than the ${marginText}`, quality };
  if (quality.low < -margin) {
    return overdue ? { kind: 'fail', reason: `${delta}: still inconclusive after ${Math.round(elapsedMs / 60_000)} min`, quality } : { kind: 'wait', reason: `${delta}: not yet shown within the ${marginText}` };
  }
  const slower = canary.p95LatencyMs !== null && control.p95LatencyMs !== null && canary.p95LatencyMs > control.p95LatencyMs * s.latencyP95Ratio && canary.p95LatencyMs - control.p95LatencyMs > s.latencyP95SlackMs;
  if (slower && canary.p95LatencyMs !== null && control.p95LatencyMs !== null) {
    return { kind: 'fail', reason: `p95 latency ${Math.round(canary.p95LatencyMs)} ms vs ${Math.round(control.p95LatencyMs)} ms on the control, beyond ×${s.latencyP95Ratio}`, quality };
  }
  return { kind: 'pass', reason: `${delta}: non-inferior within the ${marginText}`, quality };
}
