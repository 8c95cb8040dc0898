import { policyDocumentSchema } from '@switchyard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allGpt4, GPT4, LoopStack } from './support/loop.stack.js';

/** The cheaper candidates the worker's shadow probes explore; the fleet recorded all of them on every prompt. */
const CHEAPER = ['zero-one-ai--Yi-34B-Chat', 'mistralai--mixtral-8x7b-chat', 'gpt-3.5-turbo-1106', 'claude-instant-v1'];
const WORKLOADS = ['arc-challenge', 'winogrande'];
// Latency slack: in one process, queueing on the event loop, not the route, decides p95 (see canary-rollout.e2e-spec.ts).
const SCHEDULE = { steps: [0.25, 0.5, 1], minDwellMs: 300, minSamplesPerStep: 60, tolerance: 0.05, latencyP95SlackMs: 5_000, checkEveryMs: 250, maxStepMs: 60_000 };

/**
 * The whole loop over real HTTP, Postgres and Redis: live traffic on an all-GPT-4 policy, judged
 * and shadowed by the worker; the optimizer fits and proposes a cheaper route; a person approves
 * it; the canary walks to 100% on measured quality. Upstreams replay RouterBench's recorded answers
 * (with their token usage) and the judge stands in with the benchmark's ground truth.
 */
describe('closed loop: traffic → scores → proposal → approval → canary', () => {
  let s: LoopStack;
  const rows = () => s.fleet.rows.filter((r) => WORKLOADS.includes(r.workload));
  /** Canary traffic: the diff's workload only, one scored round at a time. */
  const canaryRound = (seed: number) => async () => {
    await s.send(64, seed, s.fleet.rows.filter((r) => r.workload === 'arc-challenge'));
    await s.drained(WORKLOADS);
  };

  beforeAll(async () => {
    // A workload may keep 85% of GPT-4's quality: on this data no model keeps 98% (see datasets/README.md).
    s = await LoopStack.start({ cheaper: CHEAPER, workloads: WORKLOADS, floorShare: 0.85 });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  it('proposes a cheaper route from scored traffic, and promotes it through the canary once approved', async () => {
    const parent = await s.active();
    await s.send(320, 1, rows());
    await s.drained(WORKLOADS);
    const diff = await s.refitAndAwaitProposal('arc-challenge');

    // The proposal is made of data: a cheaper model on one workload, with intervals and evidence.
    expect(diff.parentVersionId).toBe(parent.id);
    expect(diff.workloads).toEqual(['arc-challenge']);
    const route = JSON.stringify(diff.proposedDocument.routes['arc-challenge']);
    expect(CHEAPER.some((m) => route.includes(m))).toBe(true);
    expect(diff.predicted.costPerRequest.high).toBeLessThan(0);
    expect(diff.predicted.quality.low).toBeLessThan(diff.predicted.quality.delta);
    expect(diff.evidence.samplesPerModel[GPT4]?.judge).toBeGreaterThan(30);
    expect(Object.values(diff.evidence.samplesPerModel).filter((n) => n.shadow > 30)).toHaveLength(CHEAPER.length);
    expect(diff.evidence.scorerMix).toMatchObject({ 'judge:helpfulness': expect.any(Number) as number });
    expect(diff.summary).toMatch(/^arc-challenge: route .*Expected quality .*\[.*\] on \d+ scored samples .*Cost −9\d%/);

    expect((await s.admin('POST', `/admin/policy-diffs/${diff.id}/approve`, { comment: 'numbers look right' })).status).toBe(200);
    expect((await s.admin('POST', `/admin/policy-diffs/${diff.id}/canary`, { schedule: SCHEDULE })).status).toBe(202);
    const ended = await s.canaryEnds(diff.id, (round) => canaryRound(1_000 + round)());

    expect(ended.status).toBe('promoted');
    expect(ended.events.map((e) => e.action)).toEqual(['proposed', 'approved', 'commented', 'canary_started', 'canary_step', 'promoted']);
    expect(ended.events.map((e) => e.actor)).toEqual(['optimizer', 'reviewer', 'reviewer', 'reviewer', 'canary', 'canary']);
    expect(ended.measured?.costPerRequest.high).toBeLessThan(0);
    const now = policyDocumentSchema.parse((await s.active()).document);
    expect(now.routes['arc-challenge']).toEqual(diff.proposedDocument.routes['arc-challenge']);
    expect(now.canary).toBeUndefined();
  }, 240_000);

  it('rolls back automatically when the cheaper model turns bad after approval', async () => {
    const parentId = await s.activate(allGpt4(WORKLOADS, CHEAPER), 'back to GPT-4 for the second run');
    await s.send(160, 2, rows());
    await s.drained(WORKLOADS);
    const diff = await s.refitAndAwaitProposal('arc-challenge');
    expect(diff.parentVersionId).toBe(parentId);
    expect((await s.admin('POST', `/admin/policy-diffs/${diff.id}/approve`, { comment: 'same as before' })).status).toBe(200);

    // The provider swaps the models behind the names: every answer they give is now wrong.
    for (const m of CHEAPER) s.corrupted.add(m);
    expect((await s.admin('POST', `/admin/policy-diffs/${diff.id}/canary`, { schedule: SCHEDULE })).status).toBe(202);
    const ended = await s.canaryEnds(diff.id, (round) => canaryRound(2_000 + round)());

    expect(ended.status).toBe('rolled_back');
    expect((await s.active()).id).toBe(parentId);
    const last = ended.events.at(-1);
    expect(last).toMatchObject({ action: 'rolled_back', actor: 'canary' });
    expect(last?.comment).toContain('worse than the control');
    expect(ended.measured?.quality.high).toBeLessThan(-0.5);
  }, 240_000);
});
