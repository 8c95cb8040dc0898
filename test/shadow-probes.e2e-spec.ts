import { loadTestEnv } from '@switchyard/config';
import { type DatabaseHandle, ScoreRepository, type SpanRow } from '@switchyard/db';
import { ShadowQueue } from '@switchyard/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTargets } from '../apps/worker/src/shadow/probe-targets.js';
import { ExplorationBudgetRepository } from '../apps/worker/src/shadow/exploration-budget.repository.js';
import { eventually, type GatewayHarness, type HarnessOptions, startGatewayHarness } from './support/gateway.harness.js';
import { startWorkerFor, type WorkerHarness } from './support/worker.harness.js';

const VERDICT = '{"score": 6, "reason": "Mostly right."}';

interface Stack {
  h: GatewayHarness;
  worker: WorkerHarness;
  database: DatabaseHandle;
  redis: Redis;
  shadowQueue: Queue;
  close(): Promise<void>;
}

/** A harness gateway and the real worker in-process, calling that gateway for its judge and shadow calls. */
async function startStack(options: HarnessOptions): Promise<Stack> {
  const h = await startGatewayHarness(options);
  h.pool.get('judge-model')?.setBehaviour(() => ({ kind: 'ok', text: VERDICT }));
  const worker = await startWorkerFor(h);
  const redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const shadowQueue = new Queue(ShadowQueue.name, { connection: redis, prefix: worker.config.redisPrefix });
  return {
    h,
    worker,
    database: worker.database,
    redis,
    shadowQueue,
    async close() {
      await shadowQueue.close();
      redis.disconnect();
      await worker.close();
      await h.close();
    },
  };
}

const liveCall = async (h: GatewayHarness, content: string): Promise<string> => {
  const { response } = await h.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content }] }).withResponse();
  return response.headers.get('x-switchyard-span-id') ?? '';
};

/** The shadow spans replaying these live spans, as stored. */
const shadowSpansOf = async (database: DatabaseHandle, sourceSpanIds: string[]): Promise<Pick<SpanRow, 'spanId' | 'runId' | 'model' | 'costUsd' | 'origin' | 'internal' | 'status'>[]> => {
  const { rows } = await database.pool.query<{ span_id: string; run_id: string; model: string; cost_usd: number | null; origin: SpanRow['origin']; internal: boolean; status: SpanRow['status'] }>(
    `select span_id, run_id, model, cost_usd, origin, internal, status from spans where origin = 'shadow' and run_id = any($1::text[]) order by started_at`,
    [sourceSpanIds],
  );
  return rows.map((r) => ({ spanId: r.span_id, runId: r.run_id, model: r.model, costUsd: r.cost_usd, origin: r.origin, internal: r.internal, status: r.status }));
};

describe('shadow probes: a sampled live call is replayed to k other candidates and each answer is judged', () => {
  let s: Stack;
  let scores: ScoreRepository;

  beforeAll(async () => {
    s = await startStack({
      pool: ['judge-model', 'shadow-a', 'shadow-b', 'shadow-c'],
      routing: { defaultRoute: 'gpt-a', evaluation: { sampleRate: 1, shadow: { rate: 1, k: 2, models: ['shadow-a', 'shadow-b', 'shadow-c'] } } },
      evaluation: { judge: { model: 'judge-model', parseRetries: 0 }, queues: { judge: { attempts: 4, backoffMs: 100 }, shadow: { attempts: 4, backoffMs: 100 } } },
    });
    scores = new ScoreRepository(s.database.db);
  });

  afterAll(async () => {
    await s.close();
  });

  it('stores two shadow spans (origin shadow, run id = the live span) with a shadow score each', async () => {
    const sourceSpanId = await liveCall(s.h, 'What is the boiling point of water at sea level?');
    let probes: Awaited<ReturnType<typeof shadowSpansOf>> = [];
    await eventually(async () => (probes = await shadowSpansOf(s.database, [sourceSpanId])).length === 2, 5_000, 'two shadow spans');
    // k of the three, chosen by the span id (so every listed model gets explored over many calls).
    const picked = probeTargets(sourceSpanId, ['shadow-a', 'shadow-b', 'shadow-c'], 2);
    const left = ['shadow-a', 'shadow-b', 'shadow-c'].find((m) => !picked.includes(m));
    expect(probes.map((p) => p.model).sort()).toEqual([...picked].sort());
    for (const probe of probes) {
      expect(probe).toMatchObject({ origin: 'shadow', internal: true, runId: sourceSpanId, status: 'ok' });
      expect(probe.costUsd).toBeGreaterThan(0);
      let found: Awaited<ReturnType<ScoreRepository['forSpan']>> = [];
      await eventually(async () => (found = await scores.forSpan(probe.spanId)).length > 0, 3_000, `a score for shadow span ${probe.spanId}`);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ source: 'shadow', scorer: 'judge:helpfulness', status: 'ok', label: '6', model: probe.model, runId: sourceSpanId, workload: 'default', metadata: { sourceSpanId, sourceModel: 'gpt-a' } });
      // A probe is never sampled and judged as if it were live traffic.
      const row = await s.h.waitForSpan(probe.spanId);
      expect(row.metadata?.['sampling']).toBeUndefined();
    }
    // The live span keeps its own judge score, and only that.
    expect((await scores.forSpan(sourceSpanId)).map((x) => x.source)).toEqual(['judge']);

    // Each candidate got the live request itself, unstreamed; the third candidate (beyond k) got nothing.
    for (const model of picked) {
      const requests = s.h.pool.get(model)?.requests ?? [];
      expect(requests).toHaveLength(1);
      expect(requests[0]?.body).toMatchObject({ model, stream: false, messages: [{ role: 'user', content: 'What is the boiling point of water at sea level?' }] });
    }
    expect(s.h.pool.get(left ?? '')?.requests).toEqual([]);
    const done = await Promise.all(picked.map(async (m) => (await s.shadowQueue.getJob(ShadowQueue.jobId(sourceSpanId, m)))?.returnvalue as unknown));
    expect(done).toEqual(['scored', 'scored']);
  });
  it('retries a probe whose judging failed without paying for a second replay', async () => {
    const probeAnswer = 'Water boils at 100 degrees Celsius (shadow-a).';
    s.h.pool.get('shadow-a')?.setBehaviour(() => ({ kind: 'ok', text: probeAnswer }));
    // The judge fails every try (the SDK's two) of the first job attempt that grades shadow-a's answer.
    let failuresLeft = 2;
    s.h.pool.get('judge-model')?.setBehaviour((req) => {
      if (failuresLeft > 0 && JSON.stringify(req.body).includes('(shadow-a)')) {
        failuresLeft--;
        return { kind: 'error', status: 500 };
      }
      return { kind: 'ok', text: VERDICT };
    });
    try {
      const before = s.h.pool.get('shadow-a')?.requests.length ?? 0;
      // A call whose probes include shadow-a (the span id picks 2 of the 3).
      let sourceSpanId = '';
      for (let i = 0; !probeTargets(sourceSpanId, ['shadow-a', 'shadow-b', 'shadow-c'], 2).includes('shadow-a') || i === 0; i++) {
        sourceSpanId = await liveCall(s.h, `At what temperature does water boil? (${i})`);
      }
      const jobId = ShadowQueue.jobId(sourceSpanId, 'shadow-a');
      await eventually(async () => (await s.shadowQueue.getJobState(jobId)) === 'completed', 5_000, 'the shadow-a probe completed');
      const job = await s.shadowQueue.getJob(jobId);
      expect(job?.returnvalue).toBe('scored');
      expect(job?.attemptsMade).toBeGreaterThanOrEqual(1);
      expect(failuresLeft).toBe(0);
      // One replay, one span, one score.
      expect((s.h.pool.get('shadow-a')?.requests.length ?? 0) - before).toBe(1);
      const probes = (await shadowSpansOf(s.database, [sourceSpanId])).filter((p) => p.model === 'shadow-a');
      expect(probes).toHaveLength(1);
      expect(await scores.forSpan(probes[0]?.spanId ?? '')).toHaveLength(1);
    } finally {
      s.h.pool.get('shadow-a')?.setBehaviour(undefined);
      s.h.pool.get('judge-model')?.setBehaviour(() => ({ kind: 'ok', text: VERDICT }));
    }
  });
});

describe('shadow probes: 50 at once against a $0.01 daily budget', () => {
  const BUDGET = 0.01;
  let s: Stack;

  beforeAll(async () => {
    s = await startStack({
      pool: ['judge-model', 'probe-model'],
      // What gpt-4o-class models cost: with a ~430-token prompt a probe is about a tenth of a cent.
      poolModels: { 'probe-model': { pricing: { inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 } } },
      routing: { defaultRoute: 'gpt-a', evaluation: { sampleRate: 1, shadow: { rate: 1, k: 1, models: ['probe-model'] } } },
      evaluation: {
        judge: { model: 'judge-model', parseRetries: 0 },
        shadowBudgetUsdPerDay: BUDGET,
        // Every probe in flight at once: the budget, not the queue, has to hold the line.
        queues: { judge: { concurrency: 50, attempts: 4, backoffMs: 100 }, shadow: { concurrency: 50, attempts: 4, backoffMs: 100 } },
      },
    });
  });

  afterAll(async () => {
    await s.close();
  });

  it('spends (sum of the shadow spans’ cost_usd in Postgres) no more than the budget plus one probe', async () => {
    const prompt = (i: number): string => `Question ${i}: ${'Explain how a bicycle stays upright while moving, in simple words. '.repeat(25)}`;
    const sources = await Promise.all(Array.from({ length: 50 }, (_, i) => liveCall(s.h, prompt(i))));

    // Every probe job has run: scored, or stopped by the budget.
    const outcomes = new Map<string, unknown>();
    await eventually(
      async () => {
        for (const id of sources) {
          if (outcomes.has(id)) continue;
          // State first, then the job: completion stores the return value and the state in one step.
          const jobId = ShadowQueue.jobId(id, 'probe-model');
          if ((await s.shadowQueue.getJobState(jobId)) === 'completed') outcomes.set(id, (await s.shadowQueue.getJob(jobId))?.returnvalue);
        }
        return outcomes.size === sources.length;
      },
      30_000,
      'all 50 shadow jobs completed',
    );
    const ran = [...outcomes.values()].filter((o) => o === 'scored').length;
    const stopped = [...outcomes.values()].filter((o) => o === 'budget_exhausted').length;
    expect(ran + stopped).toBe(50);
    expect(stopped).toBeGreaterThan(0);

    // Every probe that ran is a span with its cost; the spend is read from there.
    let probes: Awaited<ReturnType<typeof shadowSpansOf>> = [];
    await eventually(async () => (probes = await shadowSpansOf(s.database, sources)).length === ran, 3_000, `${ran} shadow spans`);
    const costs = probes.map((p) => p.costUsd ?? Number.NaN);
    const spent = costs.reduce((a, b) => a + b, 0);
    const oneProbe = Math.max(...costs);
    console.info(`shadow spend: $${spent.toFixed(6)} over ${ran} probes (one probe about $${oneProbe.toFixed(6)}); ${stopped} stopped by the $${BUDGET} budget`);
    expect(costs.every((c) => c > 0)).toBe(true);
    expect(spent).toBeLessThanOrEqual(BUDGET + oneProbe);
    // Refused probes were refused because the budget was spent, not merely held by probes in flight.
    expect(spent).toBeGreaterThan(BUDGET - ran * 1e-6);

    // The Redis ledger agrees with Postgres (to the micro-dollar per probe, rounded up) and holds nothing in flight.
    const usage = await new ExplorationBudgetRepository(s.redis, s.h.config.redisPrefix).usage();
    expect(usage).toMatchObject({ reservedUsd: 0, openReservations: 0 });
    expect(usage.spentUsd).toBeGreaterThanOrEqual(BUDGET);
    expect(usage.spentUsd).toBeGreaterThanOrEqual(spent - 1e-9);
    expect(usage.spentUsd - spent).toBeLessThanOrEqual(ran * 1e-6);
  });
});
