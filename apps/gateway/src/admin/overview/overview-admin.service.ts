import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@switchyard/config';
import {
  type ExplorationOverviewResponse,
  type QualityCell,
  type QualityOverviewQuery,
  type QualityOverviewResponse,
  USAGE_BUCKETS,
  type UsageOverviewQuery,
  type UsageOverviewResponse,
} from '@switchyard/contracts';
import { type QualityCellStats, ScoreRepository, SpanRepository } from '@switchyard/db';
import { wilsonInterval } from '@switchyard/scoring';
import { ExplorationSpendRepository } from './exploration-spend.repository.js';

const DAY_MS = 24 * 3_600_000;
const Z95 = 1.96;

/** Wilson for pass/fail scores; the normal approximation for graded ones, clamped to the score range. */
export function qualityCellOf(s: QualityCellStats): QualityCell {
  const base = { workload: s.workload, model: s.model, source: s.source, n: s.n, mean: s.mean };
  if (s.binary === s.n) {
    // Every score is 0 or 1, so mean × n is the count of 1s (rounded against float noise in avg()).
    const { low, high } = wilsonInterval(Math.round(s.mean * s.n), s.n, Z95);
    return { ...base, low, high, method: 'wilson' };
  }
  const half = s.variance === null ? Infinity : Z95 * Math.sqrt(s.variance / s.n);
  return { ...base, low: Math.max(0, s.mean - half), high: Math.min(1, s.mean + half), method: 'normal' };
}

/** The console's overview: traffic and spend over time, judged quality per workload × model, exploration spend. */
@Injectable()
export class OverviewAdminService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
    private readonly exploration: ExplorationSpendRepository,
  ) {}

  async usage(scope: string | null, query: UsageOverviewQuery, now = Date.now()): Promise<UsageOverviewResponse> {
    const to = query.to === undefined ? new Date(now) : new Date(query.to);
    const from = query.from === undefined ? new Date(to.getTime() - DAY_MS) : new Date(query.from);
    const [rows, internal] = await Promise.all([
      this.spans.usage(scope, { from, to, bucketMs: USAGE_BUCKETS[query.bucket] }),
      this.spans.internalUsage(scope, { from, to }),
    ]);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      bucket: query.bucket,
      data: rows.map((r) => ({ ...r, bucket: r.bucket.toISOString() })),
      internal: { costUsd: internal.reduce((sum, r) => sum + r.costUsd, 0), byOrigin: internal },
    };
  }

  async quality(scope: string | null, query: QualityOverviewQuery, now = Date.now()): Promise<QualityOverviewResponse> {
    const since = query.since === undefined ? new Date(now - this.config.optimizer.windowMs) : new Date(query.since);
    const cells = await this.scores.qualityMatrix(scope, since);
    return { since: since.toISOString(), data: cells.map(qualityCellOf) };
  }

  /** Global: the budget is one ledger for every tenant's workloads. */
  async explorationToday(now = new Date()): Promise<ExplorationOverviewResponse> {
    const dayStart = new Date(now.toISOString().slice(0, 10) + 'T00:00:00.000Z');
    const [ledger, internal] = await Promise.all([this.exploration.today(now), this.spans.internalUsage(null, { from: dayStart, to: new Date(dayStart.getTime() + DAY_MS) })]);
    const budgetUsd = this.config.evaluation.shadowBudgetUsdPerDay;
    const shadow = internal.find((r) => r.origin === 'shadow');
    return {
      ...ledger,
      budgetUsd,
      remainingUsd: Math.max(0, budgetUsd - ledger.spentUsd - ledger.reservedUsd),
      shadowSpans: { requests: shadow?.requests ?? 0, costUsd: shadow?.costUsd ?? 0 },
    };
  }
}
