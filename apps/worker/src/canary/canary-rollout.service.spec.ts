import { randomBytes } from 'node:crypto';
import { type CanaryJob, canaryScheduleSchema, type PolicyDocument, policyDocumentSchema } from '@switchyard/contracts';
import { CanaryMeasurementRepository, type DatabaseHandle, PolicyDiffRepository, PolicyVersionRepository, ScoreRepository, SpanRepository } from '@switchyard/db';
import { seededRng } from '@switchyard/routing';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryRolloutService } from './canary-rollout.service.js';

const doc = (model: string): PolicyDocument => policyDocumentSchema.parse({ defaultRoute: model });
const schedule = canaryScheduleSchema.parse({ steps: [0.05, 0.5, 1], minDwellMs: 1_000, minSamplesPerStep: 150, tolerance: 0.03, checkEveryMs: 500, maxStepMs: 60_000 });

/** A rollout over real repositories, with a hand-driven clock and the scheduled checks kept in a list. */
describe('CanaryRolloutService (real Postgres)', () => {
  let handle: DatabaseHandle;
  let versions: PolicyVersionRepository;
  let diffs: PolicyDiffRepository;
  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    versions = new PolicyVersionRepository(handle.db);
    diffs = new PolicyDiffRepository(handle.db);
  });
  afterAll(async () => {
    await handle.close();
  });

  const setUp = async () => {
    const environment = `canary-${randomBytes(5).toString('hex')}`;
    const parent = await versions.create({ parentId: null, createdBy: 'test', reason: 'all premium', document: doc('premium') });
    await versions.activate(environment, parent.id, 'test', null);
    const deltas = { quality: { delta: -0.004, low: -0.01, high: 0.002 }, costPerRequest: { delta: -0.001, low: -0.0012, high: -0.0008, relative: -0.6 } };
    const { diff } = await diffs.propose({
      environment,
      parentVersionId: parent.id,
      proposedDocument: doc('cheap'),
      patch: [{ op: 'replace', path: '/defaultRoute/rules/0/target/candidates/0', value: 'cheap' }],
      workloads: ['default'],
      summary: 'default: premium → cheap',
      predicted: deltas,
      evidence: { samplesPerModel: {}, scorerMix: {}, exampleSpanIds: [] },
      reason: 'cheaper',
      createdBy: 'optimizer',
    });
    await diffs.transition(diff.id, 'approved', 'alice', 'looks right');
    let clock = 1_000_000;
    const scheduled: { job: CanaryJob; at: number }[] = [];
    const published: string[] = [];
    const service = new CanaryRolloutService(
      diffs,
      versions,
      new CanaryMeasurementRepository(handle.db),
      { published: (_env, id) => Promise.resolve(void published.push(id)) },
      (job, at) => Promise.resolve(void scheduled.push({ job, at })),
      () => clock,
    );
    return { environment, parent, diff, service, scheduled, published, advance: (ms: number) => (clock += ms) };
  };

  /** Judged live traffic on the step's version: each arm scores 1 with the given probability. */
  const traffic = async (job: CanaryJob, name: string, perArm: number, pass: { canary: number; control: number }, seed: number) => {
    const rng = seededRng(seed);
    const rows = (['canary', 'control'] as const).flatMap((arm) =>
      Array.from({ length: perArm }, () => ({ arm, row: buildSpanRow({ policyVersion: job.versionId, startedAt: new Date(), costUsd: arm === 'canary' ? 0.0004 + rng() * 1e-4 : 0.001 + rng() * 1e-4, metadata: { routing: { canary: { name, arm } } } }) })),
    );
    await new SpanRepository(handle.db).insertMany(rows.map((r) => r.row));
    await new ScoreRepository(handle.db).recordMany(
      rows.map(({ arm, row }) => ({ spanId: row.spanId, scorer: 'judge:helpfulness', scorerVersion: '1', source: 'judge' as const, status: 'ok' as const, score: rng() < pass[arm] ? 1 : 0, workload: 'default', model: 'm' })),
    );
  };

  it('walks the steps on non-inferior measurements and promotes the proposed policy', async () => {
    const t = await setUp();
    expect(await t.service.start({ diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule })).toBe('started');
    const step0 = t.scheduled.at(-1)!.job;
    const active0 = await versions.getActive(t.environment);
    expect(active0?.version.id).toBe(step0.versionId);
    expect(active0?.version.document.canary).toMatchObject({ name: t.diff.id, share: 0.05 });
    expect((await diffs.get(t.diff.id))?.status).toBe('canary');

    // Too early, then too few judged calls: the step waits.
    expect(await t.service.check(step0)).toBe('waiting');
    t.advance(2_000);
    expect(await t.service.check(step0)).toBe('waiting');

    await traffic(step0, t.diff.id, 400, { canary: 0.95, control: 0.9 }, 1);
    expect(await t.service.check(step0)).toBe('advanced');
    const step1 = t.scheduled.at(-1)!.job;
    expect(step1.step).toBe(1);
    expect((await versions.getActive(t.environment))?.version.document.canary?.share).toBe(0.5);

    t.advance(2_000);
    await traffic(step1, t.diff.id, 400, { canary: 0.95, control: 0.9 }, 2);
    expect(await t.service.check(step1)).toBe('promoted');
    const final = await versions.getActive(t.environment);
    expect(final?.version.document).toEqual(doc('cheap'));
    const promoted = await diffs.get(t.diff.id);
    expect(promoted?.status).toBe('promoted');
    expect(promoted?.measured?.costPerRequest.delta).toBeLessThan(0);
    expect(promoted?.measured?.quality.low).toBeGreaterThan(-0.03);
    expect((await diffs.events(t.diff.id)).map((e) => e.action)).toEqual(['proposed', 'approved', 'canary_started', 'canary_step', 'promoted']);
    // Every transition was announced to the gateways.
    expect(t.published).toEqual([step0.versionId, step1.versionId, final?.version.id]);
  });

  it('rolls back to the parent version when the canary is worse', async () => {
    const t = await setUp();
    await t.service.start({ diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule });
    const step0 = t.scheduled.at(-1)!.job;
    t.advance(2_000);
    await traffic(step0, t.diff.id, 400, { canary: 0.6, control: 0.9 }, 3);
    expect(await t.service.check(step0)).toBe('rolled_back');
    expect((await versions.getActive(t.environment))?.version.id).toBe(t.parent.id);
    const diff = await diffs.get(t.diff.id);
    expect(diff?.status).toBe('rolled_back');
    expect(diff?.measured?.quality.high).toBeLessThan(-0.03);
    const last = (await diffs.events(t.diff.id)).at(-1);
    expect(last).toMatchObject({ action: 'rolled_back', actor: 'canary' });
    expect(last?.comment).toContain('worse than the control');
  });

  it('stops without undoing anything when someone else moved the policy during a step', async () => {
    const t = await setUp();
    await t.service.start({ diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule });
    const step0 = t.scheduled.at(-1)!.job;
    const manual = await versions.create({ parentId: t.parent.id, createdBy: 'bob', reason: 'hotfix', document: doc('mid') });
    await versions.activate(t.environment, manual.id, 'bob', 'hotfix');
    expect(await t.service.check(step0)).toBe('stale');
    expect((await versions.getActive(t.environment))?.version.id).toBe(manual.id);
    expect((await diffs.events(t.diff.id)).at(-1)?.comment).toContain('the active policy moved');
  });
});
