// `npm run bench:loop -- --fleet F --models M [...]`: the self-improvement loop on recorded data. The
// built gateway, worker and optimizer run as processes on real Postgres and Redis with replay
// upstreams; the train part of the fleet is client traffic, proposals are approved over the admin
// API, and the test part measures the resulting policy against offline baselines. See bench/README.md.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTestEnv } from '@switchyard/config';
import type { CanaryScheduleInput } from '@switchyard/contracts';
import pg from 'pg';
import { baselines, cheapestModel, mostExpensiveModel, outcomeOf } from './loop/baselines.js';
import { fleetModels, loadFleetRows, loadPrices, promptKey } from './loop/fleet.js';
import { awaitSpans, judgeAgreement, learnedOutcome, spendBetween, table } from './loop/learned.report.js';
import { BenchReviewer, GatewayClient, type SentCall } from './loop/loop.driver.js';
import { splitByPrompt } from './loop/split.js';
import { ProcessStack } from './loop/stack.runner.js';
import { emitReport } from './support/bench-report.js';

const { values: args } = parseArgs({
  options: {
    fleet: { type: 'string' },
    models: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'train-fraction': { type: 'string', default: '0.6' },
    'judge-noise': { type: 'string', default: '0.1' },
    'start-model': { type: 'string' },
    out: { type: 'string' },
    /** Optimizer quality floor: a share of the incumbent's (judged) quality, for every workload. */
    'floor-share': { type: 'string', default: '0.9' },
    /** Shadow budget as a share of what the train part would cost on the start model. */
    'shadow-budget-share': { type: 'string', default: '0.04' },
    /** Shadow only models whose mean cost is at most this share of the start model's. */
    'explore-cost-share': { type: 'string', default: '0.35' },
    /** Client requests between two looks by the reviewer. */
    chunk: { type: 'string', default: '20' },
    /**
     * Client requests per second during training. The loop's clock (refits, canary checks) runs in
     * seconds rather than minutes here, and the traffic is paced to match: about 30 requests per refit.
     */
    rate: { type: 'string', default: '3' },
    database: { type: 'string', default: 'switchyard_bench_loop' },
    /** Default TEST_REDIS_URL; the run keeps to a key prefix of its own, but a test run's FLUSHDB on the same db would wipe its queues. */
    'redis-url': { type: 'string' },
  },
});

const num = (name: keyof typeof args): number => {
  const v = Number(args[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got ${String(args[name])}`);
  return v;
};
const log = (msg: string): boolean => process.stderr.write(`bench:loop ${new Date().toISOString().slice(11, 19)} ${msg}\n`);

const CANARY: CanaryScheduleInput = {
  steps: [0.5, 1],
  minDwellMs: 0,
  minSamplesPerStep: 40,
  tolerance: 0.02,
  allowPredictedDrop: true,
  // Gateway, worker, optimizer and the traffic share two cores: queueing, not the route, sets p95 here.
  latencyP95SlackMs: 5_000,
  checkEveryMs: 2_000,
  maxStepMs: 240_000,
};

async function main(): Promise<void> {
  const started = performance.now();
  if (!args.fleet || !args.models) throw new Error('usage: npm run bench:loop -- --fleet F.fleet.jsonl --models M.models.json [--seed N] [--train-fraction 0.6] [--judge-noise 0.1] [--start-model ID] [--out report.json]');
  const seed = num('seed');
  const noise = num('judge-noise');
  const fleetPath = resolve(args.fleet);
  const rows = loadFleetRows(fleetPath);
  const prices = loadPrices(resolve(args.models));
  const models = fleetModels(rows, prices);
  const { train, test } = splitByPrompt(rows, seed, num('train-fraction'));
  const start = args['start-model'] ?? mostExpensiveModel(train, prices, models);
  if (!models.includes(start)) throw new Error(`--start-model ${start} is not a priced model recorded on every row`);
  const workloads = [...new Set(rows.map((r) => r.workload))].sort();
  const startCost = outcomeOf(train, prices, () => start).cost_per_request;
  const explore = models.filter((m) => m !== start && outcomeOf(train, prices, () => m).cost_per_request <= num('explore-cost-share') * startCost);
  // The judge is the replay provider's simulated judge (the recorded correctness of the graded answer,
  // flipped at --judge-noise), priced like the cheapest model of the fleet: a small model with a rubric.
  const judgePrice = prices[cheapestModel(train, prices, models)];
  const shadowBudget = num('shadow-budget-share') * startCost * train.length;
  log(`${rows.length} rows, ${models.length} models, workloads ${workloads.join(', ')}; train ${train.length}, test ${test.length}; start ${start}; exploring ${explore.length} models; shadow budget $${shadowBudget.toFixed(3)}`);

  const env = loadTestEnv();
  const adminKey = `sya_bench_${randomBytes(18).toString('base64url')}`;
  const config = {
    auth: { mode: 'keys' },
    spans: { redaction: 'full' },
    providers: [
      { name: 'replay', protocol: 'replay', fleetFile: fleetPath, unknownPrompt: 'error', seed, judge: { models: ['bench-judge'], noiseRate: noise, seed } },
    ],
    models: [
      ...models.map((m) => ({ id: m, provider: 'replay', pricing: { inputUsdPerMTok: prices[m].input_usd_per_mtok, outputUsdPerMTok: prices[m].output_usd_per_mtok }, contextWindow: 1_000_000 })),
      { id: 'bench-judge', provider: 'replay', pricing: { inputUsdPerMTok: judgePrice.input_usd_per_mtok, outputUsdPerMTok: judgePrice.output_usd_per_mtok }, contextWindow: 1_000_000 },
    ],
    workloads: workloads.map((name) => ({ name })),
    evaluation: {
      judge: { model: 'bench-judge', rubricsDir: resolve('evals/rubrics') },
      queues: { judge: { concurrency: 8, backoffMs: 200 }, shadow: { concurrency: 8, backoffMs: 200 } },
      shadowBudgetUsdPerDay: shadowBudget,
    },
    optimizer: {
      refitEveryMs: 10_000,
      qualityFloor: { default: { kind: 'relative', share: num('floor-share') } },
    },
    routing: {
      defaultRoute: start,
      routes: Object.fromEntries(workloads.map((w) => [w, start])),
      evaluation: { sampleRate: 1, canarySampleRate: 1, rubric: 'helpfulness', shadow: { rate: explore.length ? 1 : 0, k: Math.max(1, Math.min(4, explore.length)), models: explore } },
    },
  };

  const stack = await ProcessStack.start({ config, pgAdminUrl: env.TEST_PG_ADMIN_URL, database: args.database ?? 'switchyard_bench_loop', redisUrl: args['redis-url'] ?? env.TEST_REDIS_URL, adminKey });
  const interrupted = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  try {
    const client = new GatewayClient(stack.baseUrl, adminKey);
    const reviewer = new BenchReviewer(client, CANARY);
    // 400 sticky callers: a canary splits traffic by caller, so each needs a user of its own.
    const userOf = (row: { id: string }): string => {
      let h = seed >>> 0;
      for (let i = 0; i < row.id.length; i++) h = (Math.imul(h, 31) + row.id.charCodeAt(i)) >>> 0;
      return `user-${h % 400}`;
    };

    // Train: client traffic in chunks; between chunks the reviewer looks at proposals, and traffic
    // waits for the worker to catch up, as a canary's pace is set by scored traffic.
    const trainStart = new Date();
    const chunk = num('chunk');
    let sent = 0;
    let trainErrors = 0;
    while (sent < train.length) {
      const dead = stack.dead();
      if (dead.length) throw new Error(`${dead.join(', ')} died; logs in ${stack.dir}`);
      for (let waited = 0; (await client.evaluationBacklog()) > 2 * chunk && waited < 120; waited++) await new Promise((r) => setTimeout(r, 500));
      const ahead = sent / num('rate') - (Date.now() - trainStart.getTime()) / 1000;
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
      const calls = await client.send(train.slice(sent, sent + chunk), userOf);
      trainErrors += calls.filter((c) => c.status !== 200).length;
      sent += calls.length;
      await reviewer.review(sent);
      if (sent % (chunk * 5) === 0 || sent >= train.length) log(`train ${sent}/${train.length}; approved ${reviewer.log.approvals.length}`);
    }
    for (let waited = 0; (await client.evaluationBacklog()) > 0 && waited < 120; waited++) await new Promise((r) => setTimeout(r, 500));
    const aborted = await reviewer.abortRunning();
    const trainEnd = new Date();

    // Test: the policy the loop arrived at, on prompts it never saw.
    const testCalls: SentCall[] = await client.send(test, userOf);
    await awaitSpans(pool, testCalls);
    const testEnd = new Date();
    const learned = await learnedOutcome(pool, testCalls);
    const base = baselines(test, prices, models, start);
    const perWorkload = Object.fromEntries(
      workloads.map((w) => {
        const rs = test.filter((r) => r.workload === w);
        return [w, { learned: learned.byWorkload[w], ...baselines(rs, prices, models, start) }];
      }),
    );
    const diffs = await client.diffs();
    const spend = await spendBetween(pool, trainStart, trainEnd);
    const learning = spend.judge_usd + spend.shadow_usd;
    const finalPolicy = (await client.admin('GET', '/admin/policy')).json as { document?: { routes?: unknown } };
    const report = {
      args: { fleet: args.fleet, models: args.models, seed, trainFraction: num('train-fraction'), judgeNoise: noise, startModel: start, floorShare: num('floor-share'), shadowBudgetShare: num('shadow-budget-share'), exploreCostShare: num('explore-cost-share'), chunk },
      split: { train: train.length, test: test.length },
      learned: learned.all,
      baselines: base,
      ratios: { quality_vs_always_best: learned.all.quality / base.always_best.quality, cost_vs_always_best: learned.all.cost_per_request / base.always_best.cost_per_request },
      target: { quality_ratio_min: 0.95, cost_ratio_max: 0.35, learning_spend_share_max: 0.1 },
      learning_spend: {
        judge_usd: spend.judge_usd - spend.canary_judge_usd,
        canary_judge_usd: spend.canary_judge_usd,
        shadow_usd: spend.shadow_usd,
        total_usd: learning,
        train_traffic_usd: spend.traffic_usd,
        share_of_train_traffic: learning / spend.traffic_usd,
        judge_calls: spend.judge_calls,
        shadow_calls: spend.shadow_calls,
        shadow_budget_usd: shadowBudget,
        judge_price_per_mtok: judgePrice,
      },
      judge: {
        model: 'bench-judge (replay provider simulated judge)',
        noise,
        ...(await judgeAgreement(pool, new Map(rows.map((r) => [promptKey(r), r])), (messages) => promptKey({ id: '', workload: '', messages, candidates: {} }))),
      },
      loop: {
        requests_until_first_approved_diff: reviewer.log.requestsUntilFirstApproval,
        diffs_proposed: diffs.length,
        diffs_approved: reviewer.log.approvals.length,
        diffs_promoted: diffs.filter((d) => d.status === 'promoted').length,
        diffs_rolled_back: diffs.filter((d) => d.status === 'rolled_back').length,
        canary_aborted_at_end_of_train: aborted ?? null,
        stale_approvals: reviewer.log.stale,
        approvals: reviewer.log.approvals,
        diffs: diffs.map((d) => ({ id: d.id, status: d.status, reason: d.reason, workloads: d.workloads, summary: d.summary, predicted: d.predicted, measured: d.measured })),
        train_errors: trainErrors,
        final_routes: finalPolicy.document?.routes,
      },
      per_workload: perWorkload,
      wall_seconds: (performance.now() - started) / 1000,
      phases_seconds: { train: (trainEnd.getTime() - trainStart.getTime()) / 1000, test: (testEnd.getTime() - trainEnd.getTime()) / 1000 },
      expected_train_cost_on_start_usd: startCost * train.length,
    };
    process.stderr.write(table(learned.all, base, Object.fromEntries(workloads.map((w) => [w, { learned: learned.byWorkload[w], always_best: perWorkload[w].always_best }]))));
    log(
      `learned/always_best: quality ${(100 * report.ratios.quality_vs_always_best).toFixed(1)}%, cost ${(100 * report.ratios.cost_vs_always_best).toFixed(1)}%; learning spend $${learning.toFixed(3)} = ${(100 * report.learning_spend.share_of_train_traffic).toFixed(1)}% of train traffic; ${report.wall_seconds.toFixed(0)} s`,
    );
    emitReport('loop', report, args.out);
  } finally {
    await pool.end();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:loop failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
