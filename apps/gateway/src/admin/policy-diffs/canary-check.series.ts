import type { CanaryArmCheck, CanaryArmStats, CanaryCheck } from '@switchyard/contracts';
import type { CanaryCheckRow } from '@switchyard/db';
import { welchFromSummaries } from '@switchyard/scoring';

const Z95 = 1.96;

function armOf(a: CanaryArmStats): CanaryArmCheck {
  const quality =
    a.meanScore !== null && a.scoreVariance !== null && a.scored >= 2
      ? {
          mean: a.meanScore,
          low: Math.max(0, a.meanScore - Z95 * Math.sqrt(a.scoreVariance / a.scored)),
          high: Math.min(1, a.meanScore + Z95 * Math.sqrt(a.scoreVariance / a.scored)),
        }
      : null;
  return { calls: a.calls, errors: a.errors, errorRate: a.calls ? a.errors / a.calls : null, scored: a.scored, quality, p95LatencyMs: a.p95LatencyMs, meanCostUsd: a.meanCostUsd };
}

/** A recorded check as the console charts it: per-arm rates and intervals, and the quality difference the verdict weighed. */
export function canaryCheckOf(row: CanaryCheckRow): CanaryCheck {
  const { canary, control } = row.measurement;
  const comparable = canary.meanScore !== null && control.meanScore !== null && canary.scored >= 2 && control.scored >= 2;
  // The same Welch interval judgeCanaryStep computes, from the same aggregates.
  const welch = comparable
    ? welchFromSummaries({ n: canary.scored, mean: canary.meanScore ?? 0, variance: canary.scoreVariance ?? 0 }, { n: control.scored, mean: control.meanScore ?? 0, variance: control.scoreVariance ?? 0 })
    : undefined;
  return {
    at: row.at.toISOString(),
    step: row.step,
    share: row.share,
    versionId: row.versionId,
    verdict: row.verdict,
    reason: row.reason,
    canary: armOf(canary),
    control: armOf(control),
    qualityDelta: welch ? { delta: welch.diff, low: welch.low, high: welch.high } : null,
  };
}
