import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from './database.client.js';
import { type CanaryCheckRow, canaryChecks, type CanaryCheckVerdict } from './tables/index.js';

/** What one side of a canary did on one step, aggregated in Postgres. */
export interface CanaryArmStats {
  calls: number;
  errors: number;
  /** Calls with a judge score. */
  scored: number;
  /** Mean judge score; null without scores. */
  meanScore: number | null;
  /** Sample variance of the judge scores; null with fewer than two. */
  scoreVariance: number | null;
  p95LatencyMs: number | null;
  /** Mean spend per call, and its sample variance; null without cost data. */
  meanCostUsd: number | null;
  costVariance: number | null;
  /** Calls with a known cost. */
  costed: number;
}

export interface CanaryMeasurement {
  canary: CanaryArmStats;
  control: CanaryArmStats;
}

/** One check of a canary step, to record. */
export interface NewCanaryCheck {
  diffId: string;
  step: number;
  share: number;
  versionId: string;
  verdict: CanaryCheckVerdict;
  reason: string;
  measurement: CanaryMeasurement;
}

interface ArmRow extends Record<string, unknown> {
  arm: string | null;
  calls: string | number;
  errors: string | number;
  scored: string | number;
  mean_score: string | number | null;
  score_variance: string | number | null;
  p95: string | number | null;
  mean_cost: string | number | null;
  cost_variance: string | number | null;
  costed: string | number;
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));
const empty = (): CanaryArmStats => ({ calls: 0, errors: 0, scored: 0, meanScore: null, scoreVariance: null, p95LatencyMs: null, meanCostUsd: null, costVariance: null, costed: 0 });

/** Reads a canary step's live calls and their judge scores, per arm, without pulling rows into memory. */
export class CanaryMeasurementRepository {
  constructor(private readonly db: Database) {}

  /** `workloads`: only these workloads' calls; empty means every call the canary routed. */
  async measure(policyVersion: string, canaryName: string, since: Date, workloads: readonly string[] = []): Promise<CanaryMeasurement> {
    const inWorkloads = workloads.length === 0 ? sql`true` : sql`s.workload in (${sql.join(workloads.map((w) => sql`${w}`), sql`, `)})`;
    const result = await this.db.execute<ArmRow>(sql`
      select s.metadata->'routing'->'canary'->>'arm' as arm,
             count(*) as calls,
             count(*) filter (where s.status = 'error') as errors,
             count(sc.score) as scored,
             avg(sc.score) as mean_score,
             var_samp(sc.score) as score_variance,
             percentile_cont(0.95) within group (order by s.latency_ms) as p95,
             avg(s.cost_usd) as mean_cost,
             var_samp(s.cost_usd) as cost_variance,
             count(s.cost_usd) as costed
        from spans s
        left join lateral (
          -- One judge score per call, so a call judged by two rubrics is not counted twice.
          select avg(x.score) as score from scores x where x.span_id = s.span_id and x.source = 'judge' and x.status = 'ok'
        ) sc on true
       where s.policy_version = ${policyVersion}
         and s.origin = 'live'
         -- A response-cache hit costs nothing and takes no upstream time: it would flatter whichever arm got more.
         and s.metadata->>'cache' is null
         and s.started_at >= ${since.toISOString()}::timestamptz
         and s.metadata->'routing'->'canary'->>'name' = ${canaryName}
         and ${inWorkloads}
       group by 1`);
    const out: CanaryMeasurement = { canary: empty(), control: empty() };
    for (const row of result.rows) {
      if (row.arm !== 'canary' && row.arm !== 'control') continue;
      out[row.arm] = {
        calls: Number(row.calls),
        errors: Number(row.errors),
        scored: Number(row.scored),
        meanScore: num(row.mean_score),
        scoreVariance: num(row.score_variance),
        p95LatencyMs: num(row.p95),
        meanCostUsd: num(row.mean_cost),
        costVariance: num(row.cost_variance),
        costed: Number(row.costed),
      };
    }
    return out;
  }

  /** Appends one check to the diff's series: every check records one, whatever it decided. */
  async recordCheck(check: NewCanaryCheck): Promise<void> {
    await this.db.insert(canaryChecks).values(check);
  }

  /** Every check of the diff's rollout, oldest first. */
  async checks(diffId: string): Promise<CanaryCheckRow[]> {
    return this.db.select().from(canaryChecks).where(eq(canaryChecks.diffId, diffId)).orderBy(asc(canaryChecks.id));
  }
}
