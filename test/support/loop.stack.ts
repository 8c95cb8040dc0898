import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ActivePolicyResponse, activePolicyResponseSchema, type PolicyDiffDetail, policyDiffDetailSchema, policyDiffListResponseSchema, type PolicyDiffReason } from '@switchyard/contracts';
import { loadTestEnv } from '@switchyard/config';
import { JudgeQueue, ShadowQueue } from '@switchyard/queue';
import { seededRng } from '@switchyard/routing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { FleetRow, ReplayFleet } from '../../apps/gateway/src/providers/replay/replay-fleet.repository.js';
import { type AdminAnswer, adminCall } from './admin.client.js';
import { fleetResponder, loadFleet, oracleJudge } from './fleet-upstreams.js';
import { type GatewayHarness, startGatewayHarness } from './gateway.harness.js';
import { type OptimizerHarness, startOptimizerFor } from './optimizer.harness.js';
import { startWorkerFor, type WorkerHarness } from './worker.harness.js';

export const DEMO_FLEET = 'datasets/demo.fleet.jsonl';
export const GPT4 = 'gpt-4-1106-preview';

const PRICES = (JSON.parse(readFileSync('datasets/demo.models.json', 'utf8')) as { models: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }> }).models;

/** Every call judged, every judged call shadowed to each cheaper candidate: the exploration the optimizer learns from. */
export const loopEvaluation = (cheaper: readonly string[]) => ({ sampleRate: 1, canarySampleRate: 1, shadow: { rate: 1, k: cheaper.length, models: [...cheaper] } });

/** The policy every loop starts from: each workload (and the rest) on GPT-4. */
export const allGpt4 = (workloads: readonly string[], cheaper: readonly string[]) => ({
  defaultRoute: GPT4,
  routes: Object.fromEntries(workloads.map((w) => [w, GPT4])),
  evaluation: loopEvaluation(cheaper),
});

export interface LoopStackOptions {
  /** Models besides GPT-4, each behind its own fake upstream replaying its recordings. */
  cheaper: readonly string[];
  /** Workloads of the initial policy. */
  workloads: readonly string[];
  /** The optimizer's quality floor for every workload: a share of the incumbent's quality. */
  floorShare: number;
  /** The recorded fleet the upstreams replay; default the demo fleet. */
  fleetFile?: string;
  /** `optimizer` config keys set over the stack's own (e.g. `drift`, `minSamples`); each replaces the stack's value whole. */
  optimizer?: Record<string, unknown>;
  /** The gateway's `console` config (where the console's build is), for tests that drive it in a browser. */
  console?: { dir: string };
  /**
   * Serve every model, and the judge, from the gateway's own `replay` provider on the fleet file
   * (its simulated judge with this noise rate) instead of one fake HTTP upstream per model. Models
   * cannot be corrupted in this mode.
   */
  replay?: { judgeNoise: number };
}

const REPLAY_JUDGE = 'replay-judge';

/**
 * Gateway, worker and optimizer in-process on the test Postgres and Redis, with RouterBench's
 * recorded answers served over HTTP by one fake upstream per model and an oracle judge, plus the
 * calls a test makes to drive the loop the way clients and reviewers would.
 */
export class LoopStack {
  /** Models whose answers are currently corrupted (a provider silently swapped the model). */
  readonly corrupted = new Set<string>();
  /** Spans before this belong to earlier runs on the same database. */
  private readonly since = new Date();
  private readonly redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
  /** The worker's judge and shadow queues, watched to tell when the scoring has caught up. */
  private readonly queues: Queue[];

  private constructor(
    readonly h: GatewayHarness,
    readonly worker: WorkerHarness,
    readonly optimizer: OptimizerHarness,
    readonly fleet: ReplayFleet,
  ) {
    this.queues = [JudgeQueue.name, ShadowQueue.name].map((name) => new Queue(name, { connection: this.redis, prefix: worker.config.redisPrefix }));
  }

  static async start(options: LoopStackOptions): Promise<LoopStack> {
    const fleet = await loadFleet(options.fleetFile ?? DEMO_FLEET);
    const fleetModels = [GPT4, ...options.cheaper];
    const pricing = (m: string) => ({ inputUsdPerMTok: PRICES[m].input_usd_per_mtok, outputUsdPerMTok: PRICES[m].output_usd_per_mtok });
    const upstreams = options.replay
      ? {
          replay: {
            // Absolute: the harness's config file lives in a temporary folder, and paths in it are relative to it.
            fleetFile: resolve(options.fleetFile ?? DEMO_FLEET),
            models: { ...Object.fromEntries(fleetModels.map((m) => [m, pricing(m)])), [REPLAY_JUDGE]: { inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 } },
            options: { judge: { models: [REPLAY_JUDGE], noiseRate: options.replay.judgeNoise, seed: 7 } },
          },
        }
      : { pool: [...fleetModels, 'judge-model'], poolModels: Object.fromEntries(fleetModels.map((m) => [m, { contextWindow: 128_000, pricing: pricing(m) }])) };
    const h = await startGatewayHarness({
      // The loop runs three apps and a dozen loopback upstreams in one process: on a busy two-core
      // machine an upstream can take seconds to answer, which is not what these tests are about.
      firstByteMs: 15_000,
      ...upstreams,
      routing: allGpt4(options.workloads, options.cheaper),
      evaluation: {
        judge: { model: options.replay ? REPLAY_JUDGE : 'judge-model', parseRetries: 0 },
        queues: { judge: { concurrency: 8, backoffMs: 50 }, shadow: { concurrency: 8, backoffMs: 50 } },
        shadowBudgetUsdPerDay: 50,
      },
      // Refits only on request, so each test decides when the optimizer looks.
      optimizer: { refitEveryMs: 3_600_000, minSamples: 30, qualityFloor: { default: { kind: 'relative', share: options.floorShare } }, ...options.optimizer },
      ...(options.console ? { console: options.console } : {}),
    });
    const stack = new LoopStack(h, await startWorkerFor(h), await startOptimizerFor(h), fleet);
    if (!options.replay) {
      for (const m of fleetModels) h.pool.get(m)?.setBehaviour(fleetResponder(fleet, m, () => stack.corrupted.has(m)));
      h.pool.get('judge-model')?.setBehaviour(oracleJudge(fleet));
    }
    return stack;
  }

  async close(): Promise<void> {
    for (const q of this.queues) await q.close();
    this.redis.disconnect();
    await this.optimizer.close();
    await this.worker.close();
    await this.h.close();
  }

  admin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminAnswer> {
    return adminCall(this.h.baseUrl, method, path, body, 'reviewer');
  }

  async active(): Promise<ActivePolicyResponse> {
    return activePolicyResponseSchema.parse((await this.admin('GET', '/admin/policy')).json);
  }

  /** Publishes and activates `document` as a new version; returns its id. */
  async activate(document: unknown, reason: string): Promise<string> {
    const res = await this.admin('POST', '/admin/policy/versions', { reason, parentId: (await this.active()).id, activate: true, document });
    if (res.status !== 201) throw new Error(`activating a policy: ${res.status} ${JSON.stringify(res.json)}`);
    return String((res.json as { id: string }).id);
  }

  /**
   * `n` client calls, 16 at a time, of fleet prompts drawn by `seed` from `rows`, each from one of
   * 400 sticky users and tagged with a workload (`workloadOf`, default the row's own).
   */
  async send(n: number, seed: number, rows: readonly FleetRow[], workloadOf: (row: FleetRow) => string = (r) => r.workload): Promise<void> {
    const rng = seededRng(seed);
    for (let sent = 0; sent < n; sent += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, n - sent) }, async () => {
          const row = rows[Math.floor(rng() * rows.length)];
          const user = `user-${seed}-${Math.floor(rng() * 400)}`;
          const messages = row.messages.map((m) => ({ role: m.role as 'user', content: m.content }));
          await this.h.client.chat.completions.create({ model: 'auto', user, messages }, { headers: { 'x-switchyard-workload': workloadOf(row) } });
        }),
      );
    }
  }

  /**
   * Every live call of these workloads since the stack started is judged, and the judge and shadow
   * queues are empty: the probes the worker chose for each call (how many depends on what it has
   * ruled out so far) are replayed and judged. Waiting for it paces a test's traffic to what the
   * worker can score, as a real canary's traffic is paced by its clients. The state must hold on two
   * looks in a row: a call's judge job is queued just after its answer is sent.
   */
  async drained(workloads: readonly string[]): Promise<void> {
    let quietLooks = 0;
    await waitFor(
      'judge and shadow queues drained',
      async () => {
        const { rows } = await this.worker.database.pool.query<{ n: string }>(
          `select count(*) as n from spans s where s.origin = 'live' and s.status = 'ok' and s.workload = any($1::text[]) and s.started_at >= $2
             and not exists (select 1 from scores x where x.span_id = s.span_id and x.source = 'judge')`,
          [workloads, this.since.toISOString()],
        );
        const pending = await Promise.all(this.queues.map(async (q) => Object.values(await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')).reduce((a, b) => a + b, 0)));
        quietLooks = Number(rows[0].n) === 0 && pending.every((n) => n === 0) ? quietLooks + 1 : 0;
        return quietLooks >= 2 ? true : undefined;
      },
      120_000,
    );
  }

  /** Has the optimizer refit (and propose) now; then its open proposal for `workload` on the active version, if it made one (of `reason`, default cheaper). */
  async refitAndProposal(workload: string, reason: PolicyDiffReason = 'cheaper'): Promise<PolicyDiffDetail | undefined> {
    const parentId = (await this.active()).id;
    await this.optimizer.refit();
    const list = policyDiffListResponseSchema.parse((await this.admin('GET', `/admin/policy-diffs?status=proposed&workload=${encodeURIComponent(workload)}`)).json);
    const d = list.data.find((x) => x.reason === reason && x.parentVersionId === parentId);
    return d && this.diff(d.id);
  }

  /** As `refitAndProposal`, for a test that expects the proposal. */
  async refitAndAwaitProposal(workload: string, reason: PolicyDiffReason = 'cheaper'): Promise<PolicyDiffDetail> {
    const diff = await this.refitAndProposal(workload, reason);
    if (!diff) throw new Error(`the optimizer refit but proposed no ${reason} route for ${workload}`);
    return diff;
  }

  async diff(id: string): Promise<PolicyDiffDetail> {
    return policyDiffDetailSchema.parse((await this.admin('GET', `/admin/policy-diffs/${id}`)).json);
  }

  /** Drives traffic (`drive`, one round per check) until the diff's canary promotes or rolls back. */
  async canaryEnds(id: string, drive: (round: number) => Promise<void>): Promise<PolicyDiffDetail> {
    let round = 0;
    return waitFor(
      'the canary to end',
      async () => {
        await drive(round++);
        const diff = await this.diff(id);
        return diff.status === 'promoted' || diff.status === 'rolled_back' ? diff : undefined;
      },
      150_000,
    );
  }
}

/** Polls `probe` every 250 ms until it returns a value. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
