import { candidateCost, type FleetRow, type Prices } from './fleet.js';

/** Mean recorded score and mean cost per request of a routing over some rows. */
export interface Outcome {
  quality: number;
  cost_per_request: number;
  requests: number;
}

export interface Baselines {
  always_start: Outcome & { model: string };
  always_best: Outcome & { model: string };
  always_cheapest: Outcome & { model: string };
  oracle: Outcome;
  per_workload_static_best: Outcome & { models: Record<string, string> };
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** Quality and cost of serving each row with `pick(row)`, from the recording. */
export function outcomeOf(rows: readonly FleetRow[], prices: Prices, pick: (row: FleetRow) => string): Outcome {
  const served = rows.map((r) => {
    const m = pick(r);
    return { score: r.candidates[m].score, cost: candidateCost(prices, m, r.candidates[m]) };
  });
  return { quality: mean(served.map((s) => s.score)), cost_per_request: mean(served.map((s) => s.cost)), requests: rows.length };
}

/** Ties go to the cheaper model, then to the name, so a baseline never depends on input order. */
function bestModel(rows: readonly FleetRow[], prices: Prices, models: readonly string[]): string {
  const scored = models.map((m) => ({ m, ...outcomeOf(rows, prices, () => m) }));
  scored.sort((a, b) => b.quality - a.quality || a.cost_per_request - b.cost_per_request || (a.m < b.m ? -1 : 1));
  return scored[0].m;
}

export function cheapestModel(rows: readonly FleetRow[], prices: Prices, models: readonly string[]): string {
  const costed = models.map((m) => ({ m, ...outcomeOf(rows, prices, () => m) }));
  costed.sort((a, b) => a.cost_per_request - b.cost_per_request || (a.m < b.m ? -1 : 1));
  return costed[0].m;
}

/** The model with the highest mean cost per request on these rows: the "best model for everything" shop's choice. */
export function mostExpensiveModel(rows: readonly FleetRow[], prices: Prices, models: readonly string[]): string {
  const costed = models.map((m) => ({ m, ...outcomeOf(rows, prices, () => m) }));
  costed.sort((a, b) => b.cost_per_request - a.cost_per_request || (a.m < b.m ? -1 : 1));
  return costed[0].m;
}

/** Per workload: the cheapest model whose mean score is within `share` of that workload's best model. */
export function perWorkloadStaticBest(rows: readonly FleetRow[], prices: Prices, models: readonly string[], share = 0.95): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of [...new Set(rows.map((r) => r.workload))].sort()) {
    const rs = rows.filter((r) => r.workload === w);
    const stats = models.map((m) => ({ m, ...outcomeOf(rs, prices, () => m) }));
    const best = Math.max(...stats.map((s) => s.quality));
    const ok = stats.filter((s) => s.quality >= share * best).sort((a, b) => a.cost_per_request - b.cost_per_request || (a.m < b.m ? -1 : 1));
    out[w] = ok[0].m;
  }
  return out;
}

/** Per row: the cheapest model that got it right; when none did, the cheapest model (scoring 0). */
export function oracleModel(row: FleetRow, prices: Prices, models: readonly string[]): string {
  const byCost = [...models].sort((a, b) => candidateCost(prices, a, row.candidates[a]) - candidateCost(prices, b, row.candidates[b]) || (a < b ? -1 : 1));
  return byCost.find((m) => row.candidates[m].score >= 0.5) ?? byCost[0];
}

/** Every baseline, computed offline from the recording on the same rows the learned policy served. */
export function baselines(rows: readonly FleetRow[], prices: Prices, models: readonly string[], startModel: string): Baselines {
  const best = bestModel(rows, prices, models);
  const cheapest = cheapestModel(rows, prices, models);
  const static95 = perWorkloadStaticBest(rows, prices, models);
  return {
    always_start: { model: startModel, ...outcomeOf(rows, prices, () => startModel) },
    always_best: { model: best, ...outcomeOf(rows, prices, () => best) },
    always_cheapest: { model: cheapest, ...outcomeOf(rows, prices, () => cheapest) },
    oracle: outcomeOf(rows, prices, (r) => oracleModel(r, prices, models)),
    per_workload_static_best: { models: static95, ...outcomeOf(rows, prices, (r) => static95[r.workload]) },
  };
}
