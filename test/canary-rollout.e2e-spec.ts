import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaryStatusSchema } from '@switchyard/contracts';
import { loadTestEnv } from '@switchyard/config';
import { CanaryQueue } from '@switchyard/queue';
import { Queue } from 'bullmq';
import type { FakeUpstream } from '@switchyard/testing';
import { ADMIN_KEY, type GatewayHarness, startGatewayHarness } from './support/gateway.harness.js';
import { type AdminAnswer, adminCall } from './support/admin.client.js';
import { startWorkerFor, type WorkerHarness } from './support/worker.harness.js';

const JUDGED = { sampleRate: 1, canarySampleRate: 1 };
/**
 * Latency is not what these tests measure. In-process, the ten concurrent calls of a round queue on
 * one event loop, so a round's last calls take two or three times as long as its first (up to
 * ~150 ms against ~50 ms in the cold first round), and which arm the last ones land on is fixed by the
 * callers' sticky hash: here the canary's. With ~30 calls an arm, p95 is the slowest two, so the
 * default 50 ms slack rolled the first rollout back on "p95 latency" in about half the runs.
 */
const FAST_SCHEDULE = { steps: [0.5, 1], minDwellMs: 300, minSamplesPerStep: 25, tolerance: 0.1, checkEveryMs: 200, maxStepMs: 20_000, latencyP95SlackMs: 5_000 };

/**
 * The human half of the loop over real HTTP: a proposed diff is approved, scheduled as a canary,
 * and the worker advances or rolls it back on judged live traffic.
 */
describe('canary rollout of an approved policy diff, gateway and worker together', () => {
  let h: GatewayHarness;
  let worker: WorkerHarness;
  let cheapIsBad = false;

  beforeAll(async () => {
    h = await startGatewayHarness({
      pool: ['premium', 'cheap', 'judge-model'],
      routing: { defaultRoute: 'premium', evaluation: JUDGED },
      evaluation: { judge: { model: 'judge-model', parseRetries: 0 }, queues: { judge: { concurrency: 8, backoffMs: 50 } } },
    });
    h.pool.get('premium')!.setBehaviour(() => ({ kind: 'ok', text: 'A careful premium answer.' }));
    h.pool.get('cheap')!.setBehaviour(() => ({ kind: 'ok', text: 'A quick cheap answer.' }));
    const judge: FakeUpstream = h.pool.get('judge-model')!;
    judge.setBehaviour((req) => {
      const graded = JSON.stringify(req.body);
      const score = graded.includes('cheap answer') && cheapIsBad ? 2 : 9;
      return { kind: 'ok', text: JSON.stringify({ score, reason: 'graded' }) };
    });
    worker = await startWorkerFor(h);
  }, 60_000);

  afterAll(async () => {
    await worker.close();
    await h.close();
  });

  const admin = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminAnswer> => adminCall(h.baseUrl, method, path, body);

  /** Sticky callers send traffic until the diff leaves `until` status, or the deadline passes. */
  const driveUntil = async (diffId: string, done: (status: string) => boolean, deadlineMs: number): Promise<string> => {
    const deadline = Date.now() + deadlineMs;
    let i = 0;
    for (;;) {
      await Promise.all(
        Array.from({ length: 10 }, () => h.client.chat.completions.create({ model: 'auto', user: `user-${i++ % 400}`, messages: [{ role: 'user', content: `question ${i}` }] })),
      );
      const status = String((await admin('GET', `/admin/policy-diffs/${diffId}/canary`)).json['status']);
      if (done(status) || Date.now() > deadline) return status;
    }
  };

  /** The diff's last event, e.g. why a canary rolled back, for a failing assertion to print. */
  const lastEvent = async (diffId: string): Promise<string> => JSON.stringify((((await admin('GET', `/admin/policy-diffs/${diffId}`)).json['events'] ?? []) as unknown[]).at(-1));

  const proposeAndApprove = async (): Promise<string> => {
    const active = (await admin('GET', '/admin/policy')).json;
    const created = await admin('POST', '/admin/policy-diffs', {
      parentVersionId: active['id'],
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
    return id;
  };

  it('replaces a start still waiting when the canary is scheduled again, instead of keeping the first', async () => {
    const id = await proposeAndApprove();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const sooner = new Date(Date.now() + 1_800_000).toISOString();
    expect((await admin('POST', `/admin/policy-diffs/${id}/canary`, { schedule: { ...FAST_SCHEDULE, startAt: later } })).status).toBe(202);
    const again = await admin('POST', `/admin/policy-diffs/${id}/canary`, { schedule: { ...FAST_SCHEDULE, steps: [0.25, 1], startAt: sooner } });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ startsAt: sooner, schedule: { steps: [0.25, 1] } });
    const comments = ((await admin('GET', `/admin/policy-diffs/${id}`)).json['events'] as { action: string; comment: string | null }[]).filter((e) => e.action === 'commented');
    expect(comments.map((e) => e.comment)).toEqual([`canary scheduled for ${later}`, `canary rescheduled for ${sooner}`]);
    // One start job, the second one: its time and schedule.
    const queue = new Queue(CanaryQueue.name, { connection: { url: loadTestEnv().TEST_REDIS_URL }, prefix: h.config.redisPrefix });
    try {
      const job = await queue.getJob(`canary-start-${id}`);
      expect(job?.data).toMatchObject({ diffId: id, schedule: { steps: [0.25, 1] } });
      expect(Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - Date.parse(sooner))).toBeLessThan(5_000);
      await job?.remove();
    } finally {
      await queue.close();
    }
  });

  it('advances step by step on measured quality and promotes the proposed policy', async () => {
    const id = await proposeAndApprove();
    const scheduled = await admin('POST', `/admin/policy-diffs/${id}/canary`, { schedule: FAST_SCHEDULE });
    expect(scheduled.status).toBe(202);

    const status = await driveUntil(id, (s) => s === 'promoted' || s === 'rolled_back', 25_000);
    expect(status, await lastEvent(id)).toBe('promoted');
    const canary = (await admin('GET', `/admin/policy-diffs/${id}/canary`)).json;
    expect((canary['steps'] as { action: string }[]).map((s) => s.action)).toEqual(expect.arrayContaining(['canary_started', 'promoted']));
    expect(canary['measured']).toMatchObject({ quality: { delta: expect.any(Number) as number } });
    // The series of checks: the one that promoted is last, and each comparable check carries the quality difference.
    const checks = canaryStatusSchema.parse(canary).checks;
    expect(checks.at(-1)).toMatchObject({ verdict: 'pass', share: FAST_SCHEDULE.steps.at(-2) });
    expect(checks.filter((c) => c.verdict === 'pass').every((c) => c.qualityDelta !== null && c.canary.quality !== null && c.control.errorRate !== null)).toBe(true);
    // The proposed policy is now the active one: every caller gets the cheap model.
    const { response } = await h.client.chat.completions.create({ model: 'auto', user: 'someone-new', messages: [{ role: 'user', content: 'after' }] }).withResponse();
    expect(response.headers.get('x-switchyard-model')).toBe('cheap');
  }, 40_000);

  it('rolls back to the parent policy when the canary side is judged worse', async () => {
    // Back to premium for everyone, as a person would after the first rollout.
    const active = (await admin('GET', '/admin/policy')).json;
    const reset = await admin('POST', '/admin/policy/versions', { reason: 'back to premium', parentId: active['id'], activate: true, document: { defaultRoute: 'premium', evaluation: JUDGED } });
    expect(reset.status).toBe(201);
    const parentId = String(reset.json['id']);
    await new Promise((r) => setTimeout(r, 300));
    cheapIsBad = true;
    const id = await proposeAndApprove();
    expect((await admin('POST', `/admin/policy-diffs/${id}/canary`, { schedule: FAST_SCHEDULE })).status).toBe(202);

    const status = await driveUntil(id, (s) => s === 'promoted' || s === 'rolled_back', 25_000);
    expect(status).toBe('rolled_back');
    expect((await admin('GET', '/admin/policy')).json['id']).toBe(parentId);
    const diff = (await admin('GET', `/admin/policy-diffs/${id}`)).json;
    expect((diff['events'] as { action: string; comment: string }[]).at(-1)).toMatchObject({ action: 'rolled_back', comment: expect.stringContaining('worse than the control') as string });
    expect(canaryStatusSchema.parse((await admin('GET', `/admin/policy-diffs/${id}/canary`)).json).checks.at(-1)).toMatchObject({ verdict: 'fail', reason: expect.stringContaining('worse than the control') as string });
  }, 40_000);

  // Asynchronous on purpose: the gateway answering the CLI runs in this very process.
  const cli = (...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, ['scripts/switchyard-cli.mjs', ...args, '--url', h.baseUrl, '--admin-key', ADMIN_KEY, '--actor', 'carol'], { encoding: 'utf8' }, (err, stdout, stderr) =>
        done({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  it('is watched and aborted from the CLI, which restores the parent policy', async () => {
    cheapIsBad = false;
    const parentId = String((await admin('GET', '/admin/policy')).json['id']);
    const id = await proposeAndApprove();
    const scheduled = await cli('canary', 'schedule', id, '--steps', '0.5,1', '--dwell-minutes', '60', '--min-samples', '10');
    expect(scheduled.status, scheduled.stderr).toBe(0);
    expect(scheduled.stdout).toContain('50% → 100%');
    await driveUntil(id, (s) => s === 'canary', 10_000);
    const watching = await cli('canary', 'status', id);
    expect(watching.stdout).toContain(`${id}: canary, 50% of callers on the proposed policy`);

    expect((await cli('canary', 'abort', id)).status).toBe(1);
    const aborted = await cli('canary', 'abort', id, '--comment', 'customer escalation');
    expect(aborted.status, aborted.stderr).toBe(0);
    expect((await admin('GET', '/admin/policy')).json['id']).toBe(parentId);
    const diff = (await admin('GET', `/admin/policy-diffs/${id}`)).json;
    expect(diff['status']).toBe('rolled_back');
    expect((diff['events'] as { action: string; actor: string; comment: string }[]).at(-1)).toMatchObject({ action: 'rolled_back', actor: 'carol', comment: 'customer escalation' });
  }, 40_000);
});
