import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadTestEnv } from '@switchyard/config';
import type { DatasetItem, GoldenRunDetail } from '@switchyard/contracts';
import { type DatabaseHandle, DatasetRepository, ScoreRepository, type ScoreRow } from '@switchyard/db';
import { GoldenQueue } from '@switchyard/queue';
import type { FakeUpstream, RecordedRequest } from '@switchyard/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, eventually, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';
import { startWorkerFor, type WorkerHarness } from './support/worker.harness.js';

interface FleetRow {
  id: string;
  workload: string;
  messages: { role: 'user'; content: string }[];
  expected: string | null;
  candidates: Record<string, { content: string; score: number; usage: { prompt_tokens: number; completion_tokens: number } }>;
}

const FLEET = resolve('datasets/demo.fleet.jsonl');
const MODELS = ['gpt-4-1106-preview', 'claude-v2', 'mistralai--mistral-7b-chat'];
const prices = JSON.parse(readFileSync(resolve('datasets/demo.models.json'), 'utf8')) as { models: Record<string, { input_usd_per_mtok: number; output_usd_per_mtok: number }> };
const pricing = (model: string) => {
  const p = prices.models[model];
  if (!p) throw new Error(`no price for ${model}`);
  return { inputUsdPerMTok: p.input_usd_per_mtok, outputUsdPerMTok: p.output_usd_per_mtok };
};

/** The RouterBench sample: the first 60 ARC and 60 WinoGrande rows of the demo fleet that have a reference letter. */
const fleet = readFileSync(FLEET, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as FleetRow);
const sample = ['arc-challenge', 'winogrande'].flatMap((workload) => fleet.filter((r) => r.workload === workload && r.expected !== null).slice(0, 60));

/** The fake model answers "Hello from the fake upstream"; its items expect "Hello". */
const FAKE = 'golden-fake';
const fakeItems = (tag: string, n: number): DatasetItem[] => Array.from({ length: n }, (_, i) => ({ input: `${tag} probe ${i}`, expected: 'Hello', metadata: {} }));
const promptOf = (req: RecordedRequest): string => JSON.stringify((req.body as { messages?: unknown }).messages ?? '');

describe('golden runs: admin API → queue → worker → gateway (replay) → scores and per-model summary', () => {
  let h: GatewayHarness;
  let worker: WorkerHarness;
  let database: DatabaseHandle;
  let datasets: DatasetRepository;
  let scores: ScoreRepository;
  let redis: Redis;
  let queue: Queue;
  let fake: FakeUpstream;

  beforeAll(async () => {
    h = await startGatewayHarness({
      pool: [FAKE],
      replay: { fleetFile: FLEET, models: Object.fromEntries(MODELS.map((m) => [m, pricing(m)])) },
      // Failed calls are part of these tests: the breaker must not take the fake model out of rotation.
      liveState: { breaker: { consecutiveFailures: 1_000, minRequests: 100_000 } },
      evaluation: { queues: { golden: { concurrency: 8, attempts: 4, backoffMs: 40 } }, golden: { perProviderConcurrency: 4 } },
    });
    fake = h.pool.get(FAKE)!;
    worker = await startWorkerFor(h);
    database = worker.database;
    datasets = new DatasetRepository(database.db);
    scores = new ScoreRepository(database.db);
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(GoldenQueue.name, { connection: redis, prefix: worker.config.redisPrefix });
  });

  afterAll(async () => {
    await worker.close();
    await queue.close();
    redis.disconnect();
    await h.close();
  });

  const admin = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${h.baseUrl}/admin/golden-runs${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'x-switchyard-actor': 'e2e' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const show = async (id: string): Promise<GoldenRunDetail> => (await admin<GoldenRunDetail>('GET', `/${id}`)).body;
  const waitForEnd = async (id: string, timeoutMs = 15_000): Promise<GoldenRunDetail> => {
    let run = await show(id);
    await eventually(async () => (run = await show(id)).status !== 'running' && run.status !== 'queued', timeoutMs, `golden run ${id} ended`);
    return run;
  };
  const newDataset = async (items: DatasetItem[], scorer?: { name: string; options: Record<string, string> }) => {
    const name = `golden-e2e-${randomBytes(5).toString('hex')}`;
    const { version } = await datasets.createVersion({ name, items, scorer: scorer ?? null, createdBy: 'e2e' });
    return { name, version };
  };
  const runScores = async (runId: string): Promise<ScoreRow[]> => (await scores.query({ source: 'golden', limit: 10_000 })).filter((s) => s.runId === runId);

  it('runs a RouterBench sample against three replayed models; each Wilson interval holds the model\'s recorded accuracy', async () => {
    const items: DatasetItem[] = sample.map((r) => ({ input: r.messages, expected: r.expected, workload: r.workload, metadata: { row: r.id } }));
    const { name } = await newDataset(items, { name: 'multiple_choice', options: {} });

    const started = await admin<GoldenRunDetail>('POST', '', { dataset: name, models: MODELS });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ dataset: { name, version: 1 }, models: MODELS, scorer: { name: 'multiple_choice' }, createdBy: 'e2e', progress: { total: 360 } });
    const t0 = Date.now();
    const run = await waitForEnd(started.body.id);
    expect(run).toMatchObject({ status: 'completed', progress: { done: 360, failed: 0, total: 360 } });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await admin<{ data: { id: string }[] }>('GET', '?status=completed&limit=200')).body.data.map((r) => r.id)).toContain(run.id);

    // Spans are written in batches: wait until every call's span has landed before reading cost and latency.
    let detail = run;
    await eventually(async () => (detail = await show(run.id)).summary.every((s) => s.calls === 120), 3_000, 'all golden spans persisted');
    const byRow = new Map(sample.map((r) => [r.id, r]));
    const stored = await runScores(run.id);
    expect(stored).toHaveLength(360);
    const storedItems = await datasets.items(detail.dataset.versionId, { offset: 0, limit: 1_000 });
    const rowOfItem = new Map(storedItems.map((i) => [i.id, byRow.get(String(i.metadata['row']))]));

    for (const model of MODELS) {
      const summary = detail.summary.find((s) => s.model === model);
      const recorded = sample.reduce((n, r) => n + (r.candidates[model]?.score ?? 0), 0) / sample.length;
      const recordedCost = sample.reduce((usd, r) => {
        const u = r.candidates[model]?.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
        return usd + (u.prompt_tokens * pricing(model).inputUsdPerMTok + u.completion_tokens * pricing(model).outputUsdPerMTok) / 1e6;
      }, 0);
      expect(summary).toMatchObject({ n: 120, failed: 0, calls: 120, method: 'wilson' });
      expect(summary?.low).toBeLessThanOrEqual(recorded);
      expect(summary?.high).toBeGreaterThanOrEqual(recorded);
      // The replay bills each answer at its recorded usage, so the run's cost is the recorded cost.
      expect(summary?.costUsd).toBeCloseTo(recordedCost, 9);
      expect(summary?.latencyMs.p50).toEqual(expect.any(Number));
      expect(summary?.latencyMs.p95).toBeGreaterThanOrEqual(summary?.latencyMs.p50 ?? Infinity);
      // The scorer's grade agrees with RouterBench's on (almost) every item.
      const mine = stored.filter((s) => s.model === model);
      const agree = mine.filter((s) => s.score === rowOfItem.get(s.datasetItemId ?? '')?.candidates[model]?.score).length;
      expect(agree / mine.length).toBeGreaterThan(0.95);
    }

    // Every score is stored under its own call's span: an internal golden call tagged with the run.
    const sampled = stored.filter((_, i) => i % 60 === 0);
    for (const score of sampled) {
      const span = await h.waitForSpan(score.spanId);
      expect(span).toMatchObject({ origin: 'golden', runId: run.id, internal: true, model: score.model, workload: score.workload, status: 'ok' });
      expect(span.metadata?.['sampling']).toBeUndefined();
    }
  });

  it('cancels a run early: it ends cancelled with done < total, and its queued jobs never call the model', async () => {
    fake.setBehaviour(() => ({ kind: 'delay', ms: 150 }));
    try {
      const tag = `cancel-${randomBytes(3).toString('hex')}`;
      const { name } = await newDataset(fakeItems(tag, 60), { name: 'contains', options: {} });
      const started = await admin<GoldenRunDetail>('POST', '', { dataset: name, models: [FAKE] });
      expect(started.status).toBe(201);
      const id = started.body.id;
      // Eight jobs run at once, but at most four calls go to one provider (perProviderConcurrency).
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, fake.inFlight())), 5);
      await eventually(async () => (await show(id)).progress.done >= 8, 5_000, 'first calls done');
      clearInterval(sampler);
      expect(peak).toBe(4);

      const cancelled = await admin<GoldenRunDetail>('POST', `/${id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      expect(cancelled.body.cancelledAt).toEqual(expect.any(String));
      // Calls in flight when it was cancelled still finish and count; nothing after them starts. A
      // job that passed its cancel check just before the cancel may still be on its way through the
      // gateway, so "settled" is: nothing in flight at the model, and no new call for 300 ms.
      const tagged = (): number => fake.requests.filter((r) => promptOf(r).includes(tag)).length;
      let seen = -1;
      let quietSince = Date.now();
      await eventually(
        () => {
          const now = tagged();
          if (now !== seen || fake.inFlight() > 0) [seen, quietSince] = [now, Date.now()];
          return Date.now() - quietSince >= 300;
        },
        5_000,
        'in-flight calls settled',
      );
      const calls = tagged();
      expect(calls).toBeLessThan(60);
      await new Promise((r) => setTimeout(r, 400));
      expect(tagged()).toBe(calls);
      // Progress is written when each job completes, a moment after its call returned.
      let after = await show(id);
      await eventually(async () => (after = await show(id)).progress.done + after.progress.failed === calls, 3_000, `progress counts the ${calls} calls`);
      expect(after.status).toBe('cancelled');
      expect(after.progress.done).toBeLessThan(after.progress.total);
      expect(await runScores(id)).toHaveLength(after.progress.done + after.progress.failed);
      // The jobs that had not started were withdrawn from the queue.
      const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
      expect(counts).toEqual({ waiting: 0, delayed: 0, prioritized: 0 });

      expect((await admin<{ error: { code: string } }>('POST', `/${id}/cancel`)).body.error.code).toBe('run_not_active');
    } finally {
      fake.setBehaviour(undefined);
    }
  });

  it('keeps progress exact under job retries: transient failures are retried, refusals and exhausted retries count as failed, duplicates count nothing', async () => {
    const tag = `retry-${randomBytes(3).toString('hex')}`;
    const seen = new Map<string, number>();
    // Each prompt fails twice (the upstream's 500, a 502 from the gateway) before it is answered; probe 0 always fails; probe 1 is refused (400).
    fake.setBehaviour((req) => {
      const prompt = promptOf(req);
      if (!prompt.includes(tag)) return undefined;
      const n = (seen.get(prompt) ?? 0) + 1;
      seen.set(prompt, n);
      if (prompt.includes(`${tag} probe 0"`)) return { kind: 'error', status: 500 };
      if (prompt.includes(`${tag} probe 1"`)) return { kind: 'error', status: 400, code: 'invalid_prompt' };
      return n <= 2 ? { kind: 'error', status: 500 } : undefined;
    });
    try {
      const { name, version } = await newDataset(fakeItems(tag, 20), { name: 'contains', options: {} });
      const started = await admin<GoldenRunDetail>('POST', '', { dataset: name, models: [FAKE] });
      const run = await waitForEnd(started.body.id);
      expect(run).toMatchObject({ status: 'completed', progress: { done: 18, failed: 2, total: 20 } });
      const stored = await runScores(run.id);
      expect(stored).toHaveLength(20);
      expect(new Set(stored.map((s) => s.datasetItemId)).size).toBe(20);
      expect(stored.filter((s) => s.status === 'failed').map((s) => s.reason?.slice(0, 17))).toEqual(expect.arrayContaining(['call failed (502)', 'call failed (400)']));
      // Three calls per answered prompt, four attempts for the one that always fails, one for the refusal.
      const callsPerPrompt = [...seen.values()].sort((a, b) => a - b);
      expect(callsPerPrompt).toEqual([1, ...Array.from({ length: 18 }, () => 3), 4]);

      // A duplicate of a finished job (say a producer retried with another id) makes no call and counts nothing.
      const [item] = await datasets.itemIds(version.id, { offset: 2, limit: 1 });
      const before = fake.requests.length;
      const dup = await queue.add('golden', { runId: run.id, itemId: item?.id, model: FAKE }, { jobId: `dup-${run.id}` });
      await eventually(async () => (await dup.getState()) === 'completed', 3_000, 'duplicate job done');
      expect((await queue.getJob(dup.id ?? ''))?.returnvalue).toBe('skipped');
      expect(fake.requests.length).toBe(before);
      expect((await show(run.id)).progress).toEqual({ done: 18, failed: 2, total: 20 });
    } finally {
      fake.setBehaviour(undefined);
    }
  });

  it('refuses unknown models, datasets, scorers and runs with OpenAI-style errors', async () => {
    const { name } = await newDataset(fakeItems(`err-${randomBytes(3).toString('hex')}`, 2));
    const cases: [unknown, number, string, string | null][] = [
      [{ dataset: name, models: ['nope'] }, 400, 'model_not_found', 'models.0'],
      [{ dataset: 'no-such-dataset', models: [FAKE] }, 404, 'dataset_not_found', 'dataset'],
      [{ dataset: name, version: 9, models: [FAKE] }, 404, 'dataset_not_found', 'version'],
      [{ dataset: name, models: [FAKE], scorer: { name: 'regex', options: { pattern: '(' } } }, 400, 'invalid_scorer', 'scorer'],
      [{ dataset: name, models: [FAKE, FAKE] }, 400, 'invalid_value', 'models'],
    ];
    for (const [body, status, code, param] of cases) {
      const res = await admin<{ error: { code: string; param: string | null } }>('POST', '', body);
      expect({ status: res.status, ...res.body.error }).toMatchObject({ status, code, param });
    }
    expect((await admin<{ error: { code: string } }>('GET', '/gr_0000000000missing')).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/admin/golden-runs`)).status).toBe(401);
  });

  it('starts, watches, lists, shows and refuses to cancel a finished run from the CLI', async () => {
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ['scripts/switchyard-cli.mjs', ...args, '--url', h.baseUrl, '--admin-key', ADMIN_KEY]);
    const { name } = await newDataset(fakeItems(`cli-${randomBytes(3).toString('hex')}`, 5));
    const started = (await cli('golden', 'start', '--dataset', name, '--models', FAKE, '--scorer', '{"name":"contains","options":{"ignoreCase":true}}', '--wait')).stdout;
    const id = /^started (gr_\w+): 5 calls \(1 model\(s\)\)/.exec(started)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(started).toContain(`${id} completed: 5/5 (5 scored, 0 failed) on ${name} v1, scorer contains`);
    expect(started).toContain('\nmodel\tn\tmean\t95% interval\tfailed\tcalls\tcost USD\tp50 ms\tp95 ms\n');
    expect(started).toContain(`\n${FAKE}\t5\t1.000\t[0.566, 1.000] wilson\t0\t`);
    expect((await cli('golden', 'list', '--status', 'completed')).stdout).toContain(`${id}\tcompleted\t5/5\t${name} v1\t${FAKE}`);
    expect((await cli('golden', 'show', id)).stdout).toContain(`${id} completed: 5/5`);
    const refused = await cli('golden', 'cancel', id).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('HTTP 409 run_not_active');
  });
});
