import type { PolicyDiff, PolicyDiffEvidence } from '@switchyard/contracts';

/** Scored samples behind a prediction, over every model and source: what the interval rests on. */
export function evidenceSampleCount(evidence: PolicyDiffEvidence): number {
  let total = 0;
  for (const n of Object.values(evidence.samplesPerModel)) total += n.judge + n.golden + n.shadow + n.feedback;
  return total;
}

/** Per model, its samples by source and in total, most evidence first. */
export function evidenceRows(evidence: PolicyDiffEvidence): { model: string; judge: number; golden: number; shadow: number; feedback: number; total: number }[] {
  return Object.entries(evidence.samplesPerModel)
    .map(([model, n]) => ({ model, ...n, total: n.judge + n.golden + n.shadow + n.feedback }))
    .sort((a, b) => b.total - a.total || a.model.localeCompare(b.model));
}

/** Cost interval in relative terms (share of the parent's cost per request), derived from the absolute one. */
export function relativeCostInterval(cost: PolicyDiff['predicted']['costPerRequest']): { delta: number; low: number; high: number } {
  // relative = delta / parentCost, so the parent's cost is delta / relative (unknown when nothing changes).
  if (cost.relative === 0 || cost.delta === 0) return { delta: cost.relative, low: cost.relative, high: cost.relative };
  const parent = cost.delta / cost.relative;
  return { delta: cost.relative, low: cost.low / parent, high: cost.high / parent };
}
