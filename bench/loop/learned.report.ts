import type pg from 'pg';
import type { Baselines, Outcome } from './baselines.js';
import type { FleetRow } from './fleet.js';
import type { SentCall } from './loop.driver.js';

export interface LearnedOutcome extends Outcome {
  errors: number;
  servedBy: Record<string, number>;
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/**
 * The learned policy on the test part, measured after the fact and outside the system: the model
 * each test call was served by and its cost come from its span; its quality is that model's
 * recorded score on the prompt. A call that failed or has no span scores 0.
 */
export async function learnedOutcome(pool: pg.Pool, calls: readonly SentCall[]): Promise<{ all: LearnedOutcome; byWorkload: Record<string, LearnedOutcome> }> {
  const ids = calls.map((c) => c.spanId).filter((x): x is string => x !== null);
  const { rows } = await pool.query<{ span_id: string; model: string | null; cost_usd: number | null; status: string }>(
    'select span_id, model, cost_usd, status from spans where span_id = any($1::text[])',
    [ids],
  );
  const bySpan = new Map(rows.map((r) => [r.span_id, r]));
  const scored = calls.map((c) => {
    const span = c.spanId ? bySpan.get(c.spanId) : undefined;
    const model = span?.status === 'ok' ? span.model : null;
    const candidate = model ? c.row.candidates[model] : undefined;
    return { workload: c.row.workload, model, score: candidate?.score ?? 0, cost: span?.cost_usd ?? 0, error: !candidate };
  });
  const summarise = (xs: typeof scored): LearnedOutcome => {
    const servedBy: Record<string, number> = {};
    for (const x of xs) servedBy[x.model ?? '(error)'] = (servedBy[x.model ?? '(error)'] ?? 0) + 1;
    return { quality: mean(xs.map((x) => x.score)), cost_per_request: mean(xs.map((x) => x.cost)), requests: xs.length, errors: xs.filter((x) => x.error).length, servedBy };
  };
  const byWorkload: Record<string, LearnedOutcome> = {};
  for (const w of [...new Set(scored.map((x) => x.workload))].sort()) byWorkload[w] = summarise(scored.filter((x) => x.workload === w));
  return { all: summarise(scored), byWorkload };
}

/** Spans are written in batches about every 100 ms: waits until every sent call's span is in. */
export async function awaitSpans(pool: pg.Pool, calls: readonly SentCall[], timeoutMs = 30_000): Promise<void> {
  const ids = calls.map((c) => c.spanId).filter((x): x is string => x !== null);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: string }>('select count(*) as n from spans where span_id = any($1::text[])', [ids]);
    if (Number(rows[0].n) >= ids.length) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${ids.length} spans reached Postgres within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface SpendSplit {
  /** Client traffic (origin live). */
  traffic_usd: number;
  judge_usd: number;
  shadow_usd: number;
  /** The judge spend on canary-side calls (each judged at the canary sample rate): part of judge_usd, shown apart. */
  canary_judge_usd: number;
  live_requests: number;
  judge_calls: number;
  shadow_calls: number;
}

/** What the system spent between two instants, by origin, from its spans. */
export async function spendBetween(pool: pg.Pool, since: Date, until: Date): Promise<SpendSplit> {
  const { rows } = await pool.query<{ origin: string; usd: number | null; n: string }>(
    'select origin, sum(cost_usd) as usd, count(*) as n from spans where started_at >= $1 and started_at < $2 group by origin',
    [since.toISOString(), until.toISOString()],
  );
  const of = (o: string) => rows.find((r) => r.origin === o);
  const canary = await pool.query<{ n: string }>(
    `select count(*) as n from scores x join spans s on s.span_id = x.span_id
      where x.source = 'judge' and s.origin = 'live' and s.started_at >= $1 and s.started_at < $2 and s.metadata->'routing'->'canary'->>'arm' = 'canary'`,
    [since.toISOString(), until.toISOString()],
  );
  const judgeUsd = Number(of('judge')?.usd ?? 0);
  const judgeCalls = Number(of('judge')?.n ?? 0);
  return {
    traffic_usd: Number(of('live')?.usd ?? 0),
    judge_usd: judgeUsd,
    shadow_usd: Number(of('shadow')?.usd ?? 0),
    canary_judge_usd: judgeCalls ? (judgeUsd / judgeCalls) * Number(canary.rows[0].n) : 0,
    live_requests: Number(of('live')?.n ?? 0),
    judge_calls: judgeCalls,
    shadow_calls: Number(of('shadow')?.n ?? 0),
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const usd = (x: number): string => `$${x.toPrecision(3)}`;

/** The one-screen table on stderr. */
export function table(learned: LearnedOutcome, b: Baselines, perWorkload: Record<string, { learned: LearnedOutcome; always_best: Outcome }>): string {
  const best = b.always_best;
  const line = (name: string, o: Outcome, note = '') =>
    `${name.padEnd(26)} ${o.quality.toFixed(3).padStart(7)} ${usd(o.cost_per_request).padStart(11)} ${pct(o.quality / best.quality).padStart(8)} ${pct(o.cost_per_request / best.cost_per_request).padStart(8)}  ${note}`;
  const out = [
    `${'policy (test part)'.padEnd(26)} ${'quality'.padStart(7)} ${'cost/req'.padStart(11)} ${'q/best'.padStart(8)} ${'c/best'.padStart(8)}`,
    line('learned', learned),
    line('always_start', b.always_start, b.always_start.model),
    line('always_best', b.always_best, b.always_best.model),
    line('always_cheapest', b.always_cheapest, b.always_cheapest.model),
    line('oracle', b.oracle),
    line('per_workload_static_best', b.per_workload_static_best, Object.entries(b.per_workload_static_best.models).map(([w, m]) => `${w}:${m}`).join(' ')),
    '',
    ...Object.entries(perWorkload).map(
      ([w, x]) =>
        `${w.padEnd(26)} learned ${x.learned.quality.toFixed(3)} @ ${usd(x.learned.cost_per_request)}  best ${x.always_best.quality.toFixed(3)} @ ${usd(x.always_best.cost_per_request)}  served ${Object.entries(x.learned.servedBy).map(([m, n]) => `${m}:${n}`).join(' ')}`,
    ),
  ];
  return `${out.join('\n')}\n`;
}

/**
 * How often the system's judge agreed with the recording, checked by the bench afterwards: each
 * judge or shadow score (the worker's verdict) against the recorded score of the model it graded
 * on that prompt. With a simulated judge this should sit near 1 − noise.
 */
export async function judgeAgreement(pool: pg.Pool, rowsByPrompt: ReadonlyMap<string, FleetRow>, keyOf: (messages: FleetRow['messages']) => string): Promise<{ graded: number; agreement: number; unmatched: number }> {
  const { rows } = await pool.query<{ model: string; messages: FleetRow['messages'] | null; score: number }>(
    `select x.model, s.request_body->'messages' as messages, x.score
       from scores x join spans s on s.span_id = x.span_id
      where x.source in ('judge', 'shadow') and x.status = 'ok' and x.score is not null`,
  );
  let agree = 0;
  let unmatched = 0;
  for (const r of rows) {
    const candidate = r.messages ? rowsByPrompt.get(keyOf(r.messages))?.candidates[r.model] : undefined;
    if (!candidate) {
      unmatched++;
      continue;
    }
    if (r.score >= 0.5 === candidate.score >= 0.5) agree++;
  }
  const graded = rows.length - unmatched;
  return { graded, agreement: graded ? agree / graded : Number.NaN, unmatched };
}
