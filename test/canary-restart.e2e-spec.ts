import { randomBytes } from 'node:crypto';
import { loadTestEnv } from '@switchyard/config';
import { CanaryQueue } from '@switchyard/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, type HarnessOptions, startGatewayHarness } from './support/gateway.harness.js';
import { type AdminAnswer, adminCall } from './support/admin.client.js';
import { startWorkerFor, type WorkerHarness } from './support/worker.harness.js';

const JUDGED = { sampleRate: 1, canarySampleRate: 1 };
/**
 * The first check is due only after the dwell, which outlasts closing and restarting both apps: it
 * is still a delayed job in Redis while nothing runs. Latency is not what this test is about, so a
 * cold second app's slower first calls may not fail the step.
 */
const DWELL_MS = 8_000;
const SCHEDULE = { steps: [0.5, 1], minDwellMs: DWELL_MS, minSamplesPerStep: 25, tolerance: 0.1, checkEveryMs: 200, maxStepMs: 30_000, latencyP95SlackMs: 5_000 };
const STICKY_USERS = Array.from({ length: 40 }, (_, i) => `sticky-${i}`);

interface Apps {
  h: GatewayHarness;
  worker: WorkerHarness;
}

/**
 * "A gateway restart mid-canary resumes the same step": both apps stop while a rollout dwells on its
 * first step, and a fresh pair on the same environment (so the same policy pointer and Redis prefix)
 * carries on from Postgres and the delayed check job alone.
 */
describe('canary rollout across a restart of the gateway and the worker', () => {
  // One environment for both generations: the harness derives the Redis prefix from it.
  const environment = `e2e-restart-${randomBytes(6).toString('hex')}`;
  const options: HarnessOptions = {
    environment,
    pool: ['premium', 'cheap', 'judge-model'],
    routing: { defaultRoute: 'premium', evaluation: JUDGED },
    evaluation: { judge: { model: 'judge-model', parseRetries: 0 }, queues: { judge: { concurrency: 8, backoffMs: 50 } } },
  };
  let apps: Apps | undefined;
  let redis: Redis;
  let queue: Queue;

  const start = async (): Promise<Apps> => {
    const h = await startGatewayHarness(options);
    h.pool.get('premium')!.setBehaviour(() => ({ kind: 'ok', text: 'A careful premium answer.' }));
    h.pool.get('cheap')!.setBehaviour(() => ({ kind: 'ok', text: 'A quick cheap answer.' }));
    h.pool.get('judge-model')!.setBehaviour(() => ({ kind: 'ok', text: JSON.stringify({ score: 9, reason: 'graded' }) }));
    return { h, worker: await startWorkerFor(h) };
  };

  const stop = async (a: Apps): Promise<void> => {
    // The worker first: its judge calls in flight go through this gateway.
    await a.worker.close();
    await a.h.close();
  };

  beforeAll(async () => {
    apps = await start();
    redis = new Redis(loadTestEnv().TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(CanaryQueue.name, { connection: redis, prefix: apps.h.config.redisPrefix });
  }, 60_000);

  afterAll(async () => {
    if (apps) await stop(apps);
    await queue.close();
    redis.disconnect();
  });

  const running = (): Apps => {
    if (!apps) throw new Error('no gateway is running');
    return apps;
  };

  const admin = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminAnswer> => adminCall(running().h.baseUrl, method, path, body);

  /** Sticky callers send traffic until `done` holds for the diff's status, or the deadline passes. */
  const driveUntil = async (diffId: string, done: (status: string) => boolean, deadlineMs: number): Promise<string> => {
    const deadline = Date.now() + deadlineMs;
    let i = 0;
    for (;;) {
      const { client } = running().h;
      await Promise.all(Array.from({ length: 10 }, () => client.chat.completions.create({ model: 'auto', user: `user-${i++ % 400}`, messages: [{ role: 'user', content: `question ${i}` }] })));
      const status = String((await admin('GET', `/admin/policy-diffs/${diffId}/canary`)).json['status']);
      if (done(status) || Date.now() > deadline) return status;
    }
  };

  /** The model each sticky caller is served by, from the gateway's `x-switchyard-model` header. */
  const modelsOf = async (users: readonly string[]): Promise<Record<string, string | null>> => {
    const { client } = running().h;
    const served = await Promise.all(
      users.map(async (user) => {
        const { response } = await client.chat.completions.create({ model: 'auto', user, messages: [{ role: 'user', content: `which side am I on, ${user}?` }] }).withResponse();
        return [user, response.headers.get('x-switchyard-model')] as const;
      }),
    );
    return Object.fromEntries(served);
  };

  type DiffEvent = { action: string; actor: string; comment: string | null; details: Record<string, unknown> };
  const eventsOf = async (id: string): Promise<DiffEvent[]> => (await admin('GET', `/admin/policy-diffs/${id}`)).json['events'] as DiffEvent[];

  it('serves the same step to the same callers after the restart, then promotes on the surviving check job', async () => {
    const parentId = String((await admin('GET', '/admin/policy')).json['id']);
    const created = await admin('POST', '/admin/policy-diffs', {
      parentVersionId: parentId,
      proposedDocument: { defaultRoute: 'cheap', evaluation: JUDGED },
      workloads: ['default'],
      summary: 'default: premium → cheap',
      predicted: { quality: { delta: -0.01, low: -0.03, high: 0.01 }, costPerRequest: { delta: -0.001, low: -0.0012, high: -0.0008, relative: -0.5 } },
      evidence: { samplesPerModel: {}, scorerMix: {}, exampleSpanIds: [] },
      reason: 'cheaper',
    });
    expect(created.status).toBe(201);
    const id = String(created.json['id']);
    expect((await admin('POST', `/admin/policy-diffs/${id}/approve`, {})).status).toBe(200);
    expect((await admin('POST', `/admin/policy-diffs/${id}/canary`, { schedule: SCHEDULE })).status).toBe(202);

    expect(await driveUntil(id, (s) => s !== 'approved', 10_000)).toBe('canary');
    const started = (await eventsOf(id)).filter((e) => e.action === 'canary_started');
    expect(started).toHaveLength(1);
    const stepVersionId = String(started[0].details['versionId']);
    expect((await admin('GET', '/admin/policy')).json['id']).toBe(stepVersionId);
    const before = await modelsOf(STICKY_USERS);
    // Half the callers are on each side, or "the same model" would prove nothing.
    expect(new Set(Object.values(before))).toEqual(new Set(['premium', 'cheap']));

    await stop(running());
    apps = undefined;
    // Nothing runs now; the step's first check waits in Redis for whichever worker comes next.
    const pending = (await queue.getDelayed()).filter((j) => j.name === 'canary-step' && (j.data as { diffId?: string }).diffId === id);
    expect(pending.map((j) => (j.data as { step: number; versionId: string }).step)).toEqual([0]);
    expect((pending[0].data as { versionId: string }).versionId).toBe(stepVersionId);
    const checkJobId = String(pending[0].id);

    const restartedAt = Date.now();
    apps = await start();
    expect(apps.h.config.redisPrefix).toBe(queue.opts.prefix);

    // (a) The fresh gateway serves the same step, and every caller stays on their side.
    const policy = (await admin('GET', '/admin/policy')).json;
    expect(policy['id']).toBe(stepVersionId);
    expect((await admin('GET', `/admin/policy-diffs/${id}/canary`)).json).toMatchObject({ status: 'canary', share: 0.5, activeVersionId: stepVersionId });
    expect(await modelsOf(STICKY_USERS)).toEqual(before);

    // (b) With traffic, the new worker runs the check that was queued before the restart and promotes.
    const status = await driveUntil(id, (s) => s === 'promoted' || s === 'rolled_back', 25_000);
    const events = await eventsOf(id);
    expect(status, JSON.stringify(events.at(-1))).toBe('promoted');
    const check = await queue.getJob(checkJobId);
    expect(check?.finishedOn).toBeGreaterThan(restartedAt);
    expect(check?.returnvalue).toMatch(/^(waiting|promoted)$/);
    const promotedVersionId = String(events.at(-1)?.details['versionId']);
    expect((await admin('GET', '/admin/policy')).json['id']).toBe(promotedVersionId);
    expect(Object.values(await modelsOf(STICKY_USERS))).toEqual(STICKY_USERS.map(() => 'cheap'));

    // (c) One start in the audit log: the restart neither re-ran the start job nor stopped the rollout.
    expect(events.filter((e) => e.action !== 'commented').map((e) => e.action)).toEqual(['proposed', 'approved', 'canary_started', 'promoted']);
    expect(events.filter((e) => e.action === 'commented').map((e) => e.comment)).toEqual([expect.stringMatching(/^canary scheduled for /) as string]);
  }, 40_000);
});
