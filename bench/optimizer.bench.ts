// `npm run bench:optimizer`: one full streaming model fit over 1,000,000 scored spans, with a
// same-run baseline (streaming the rows without fitting). Prints one JSON report. See bench/README.md.
import { Logger } from '@nestjs/common';
import { loadTestEnv } from '@switchyard/config';
import { createDatabase, ScoredSpanRepository } from '@switchyard/db';
import { DEFAULT_MODEL_FIT_OPTIONS, ModelFitService } from '../apps/optimizer/src/models/model-fit.service.js';
import { emitReport } from './support/bench-report.js';
import { freshBenchDatabase } from './support/bench-database.js';

// Stdout carries the JSON report alone: Nest's log lines (written to stdout) would break a parser.
Logger.overrideLogger(['warn', 'error']);

const ROWS = 1_000_000;
const MODELS = 11;
const WORKLOADS = ['support', 'coding', 'extraction'];
const DATABASE = 'switchyard_bench_optimizer';
const TARGET_FIT_SECONDS = 60;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);


// Model k answers with quality 0.55 + 0.035·k, less with long prompts and tools; the judge is
// lenient (+0.1) and noisy. Bodies are small chat requests, so features are computed for real.
const SEED_SQL = `
insert into spans (span_id, trace_id, started_at, latency_ms, operation, workload, policy_version, strategy, requested_model, model, provider,
                   status, http_status, stream, input_tokens, output_tokens, cost_usd, redaction, request_body, origin)
select lpad(to_hex(g), 16, '0'), md5(g::text), now() - (g || ' ms')::interval,
       (200 + 40 * (g % ${MODELS}) + 3000 * random() ^ 3)::int, 'chat', (array['${WORKLOADS.join("','")}'])[g % 3 + 1], 'v1', 'static', 'auto',
       'model-' || ((g / 3) % ${MODELS}), 'bench', 'ok', 200, false, 20 + (g % 997), 50 + (g % 301), 0.0001 * (1 + (g / 3) % ${MODELS}), 'full',
       jsonb_build_object('model', 'auto', 'messages', jsonb_build_array(
         jsonb_build_object('role', 'system', 'content', case when g % 4 = 0 then 'You write python code.' else 'You are helpful.' end),
         jsonb_build_object('role', 'user', 'content', repeat('x', 40 + g % 997))),
         'tools', case when g % 5 = 0 then '[{"type":"function","function":{"name":"f"}}]'::jsonb else '[]'::jsonb end),
       'live'
from generate_series(1, ${ROWS}) g;
insert into scores (id, span_id, scorer, scorer_version, source, status, score, workload, model, created_at)
select 'sc_' || lpad(to_hex(g), 16, '0'), lpad(to_hex(g), 16, '0'), 'bench', 'v1',
       case when g % 10 < 8 then 'judge' when g % 10 = 8 then 'golden' else 'shadow' end, 'ok',
       least(1, greatest(0, 0.55 + 0.035 * ((g / 3) % ${MODELS}) - 0.00005 * (g % 997) - case when g % 5 = 0 then 0.05 else 0 end
             + case when g % 10 = 8 then 0 else 0.1 end + 0.2 * (random() - 0.5))),
       (array['${WORKLOADS.join("','")}'])[g % 3 + 1], 'model-' || ((g / 3) % ${MODELS}), now() - (g || ' ms')::interval
from generate_series(1, ${ROWS}) g;
analyze spans;
analyze scores;
`;

async function main(): Promise<void> {
  const url = await freshBenchDatabase(loadTestEnv().TEST_PG_ADMIN_URL, DATABASE);
  const handle = createDatabase(url, { max: 2 });
  let t = performance.now();
  await handle.pool.query(SEED_SQL);
  const seedSeconds = (performance.now() - t) / 1_000;

  const repo = new ScoredSpanRepository(handle.db);
  const window = { since: new Date(Date.now() - 24 * 3_600_000), until: new Date(Date.now() + 60_000) };

  peakRss = process.memoryUsage().rss;
  t = performance.now();
  let streamed = 0;
  for await (const batch of repo.stream(window, DEFAULT_MODEL_FIT_OPTIONS.batchSize)) streamed += batch.length;
  const streamSeconds = (performance.now() - t) / 1_000;
  const streamPeakRssMb = peakRss / 2 ** 20;

  const pricing = new Map(Array.from({ length: MODELS }, (_, k) => [`model-${k}`, { inputUsdPerMTok: 0.1 * (k + 1), outputUsdPerMTok: 0.4 * (k + 1) }]));
  const service = new ModelFitService(repo, { ...DEFAULT_MODEL_FIT_OPTIONS, windowMs: 24 * 3_600_000, pricing });
  peakRss = process.memoryUsage().rss;
  t = performance.now();
  const outcome = await service.refit(true);
  const fitSeconds = (performance.now() - t) / 1_000;
  const fitPeakRssMb = peakRss / 2 ** 20;
  t = performance.now();
  const again = await service.refit();
  const skipMs = performance.now() - t;
  clearInterval(sampler);
  await handle.close();

  const summary = outcome.status === 'fitted' ? outcome.summary : undefined;
  const best = summary?.quality.filter((q) => q.workload === 'support').sort((a, b) => b.predicted.mean - a.predicted.mean)[0];
  emitReport('optimizer-fit', {
    rows: ROWS,
    models: MODELS,
    workloads: WORKLOADS.length,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    baseline: { streamOnlySeconds: Number(streamSeconds.toFixed(2)), rowsPerSecond: Math.round(streamed / streamSeconds), peakRssMb: Math.round(streamPeakRssMb) },
    fit: {
      fitSeconds: Number(fitSeconds.toFixed(2)),
      rowsPerSecond: Math.round((summary?.rows ?? 0) / fitSeconds),
      peakRssMb: Math.round(fitPeakRssMb),
      groups: summary?.quality.length,
      calibration: summary?.calibration.support,
      example: best && { model: best.model, n: best.n, predicted: best.predicted, priorStrength: best.priorStrength },
      latency: summary?.latency.find((l) => l.model === 'model-0'),
    },
    overheadVsStream: Number((fitSeconds / streamSeconds).toFixed(2)),
    skippedRefitMs: again.status === 'skipped' ? Number(skipMs.toFixed(1)) : null,
    target: { fitSeconds: TARGET_FIT_SECONDS },
    pass: fitSeconds < TARGET_FIT_SECONDS,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
