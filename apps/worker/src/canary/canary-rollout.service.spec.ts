import { randomBytes } from 'node:crypto';
import { type CanaryJob, canaryScheduleSchema, type PolicyDiffAction, type PolicyDocument, policyDocumentSchema } from '@switchyard/contracts';
import { CanaryMeasurementRepository, type DatabaseHandle, PolicyDiffRepository, PolicyVersionRepository, ScoreRepository, SpanRepository } from '@switchyard/db';
import { seededRng } from '@switchyard/routing';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryRolloutService } from './canary-rollout.service.js';

const doc = (model: string): PolicyDocument => policyDocumentSchema.parse({ defaultRoute: model });
const schedule = canaryScheduleSchema.parse({ steps: [0.05, 0.5, 1], minDwellMs: 1_000, minSamplesPerStep: 150, tolerance: 0.03, checkEveryMs: 500, maxStepMs: 60_000 });

/** Faults a test arms for the next call only: a transient database or Redis error, as a retried job meets them. */
interface Faults {
  /** The next transition with this action throws before it writes anything. */
  transition?: PolicyDiffAction;
  /** The next scheduled check throws. */
  schedule?: boolean;
}

class FlakyPolicyDiffRepository extends PolicyDiffRepository {
  constructor(
    db: DatabaseHandle['db'],
    private readonly faults: Faults,
  ) {
    super(db);
  }

  override transition(...args: Parameters<PolicyDiffRepository['transition']>): ReturnType<PolicyDiffRepository['transition']> {
    if (this.faults.transition === args[1]) {
      this.faults.transition = undefined;
      return Promise.reject(new Error('connection terminated unexpectedly'));
    }
    return super.transition(...args);
  }
}

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
    const faults: Faults = {};
    const service = new CanaryRolloutService(
      new FlakyPolicyDiffRepository(handle.db, faults),
      versions,
      new CanaryMeasurementRepository(handle.db),
      { published: (_env, id) => Promise.resolve(void published.push(id)) },
      (job, at) => {
        if (!faults.schedule) return Promise.resolve(void scheduled.push({ job, at }));
        faults.schedule = false;
        return Promise.reject(new Error('Connection is closed.'));
      },
      () => clock,
    );
    return { environment, parent, diff, service, scheduled, published, faults, advance: (ms: number) => (clock += ms) };
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
    // Every check is in the series, with what it measured and decided, the waits included.
    const checks = await new CanaryMeasurementRepository(handle.db).checks(t.diff.id);
    expect(checks.map((c) => [c.step, c.share, c.verdict])).toEqual([
      [0, 0.05, 'wait'],
      [0, 0.05, 'wait'],
      [0, 0.05, 'pass'],
      [1, 0.5, 'pass'],
    ]);
    expect(checks[0]?.measurement.canary.calls).toBe(0);
    expect(checks[2]?.measurement).toMatchObject({ canary: { calls: 400, scored: 400 }, control: { calls: 400, scored: 400 } });
    expect(checks[2]?.versionId).toBe(step0.versionId);
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

  const actions = async (diffId: string) => (await diffs.events(diffId)).map((e) => e.action);
  const activationsOf = async (environment: string) => (await versions.activationHistory(environment, 50)).length;

  it('queues the first check on a retried start when only the check could not be queued, without a second start', async () => {
    const t = await setUp();
    const job = { diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule };
    t.faults.schedule = true;
    await expect(t.service.start(job)).rejects.toThrow('Connection is closed.');
    const activations = await activationsOf(t.environment);
    t.advance(300);
    expect(await t.service.start(job)).toBe('started');
    const [check] = t.scheduled;
    expect(t.scheduled).toHaveLength(1);
    expect(check.job).toMatchObject({ step: 0, versionId: (await versions.getActive(t.environment))?.version.id, stepStartedAt: 1_000_000 });
    expect(check.at).toBe(1_000_000 + schedule.minDwellMs);
    // A retry of a start that did queue its check asks for the same job again: BullMQ keeps one.
    expect(await t.service.start(job)).toBe('started');
    expect(t.scheduled.map((s) => `${s.job.step}@${s.at}`)).toEqual([`0@${check.at}`, `0@${check.at}`]);
    expect(await actions(t.diff.id)).toEqual(['proposed', 'approved', 'canary_started']);
    expect(await activationsOf(t.environment)).toBe(activations);
  });

  it('records the first step a retried start finds active but unrecorded, instead of refusing to start', async () => {
    const t = await setUp();
    const job = { diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule };
    t.faults.transition = 'canary_started';
    await expect(t.service.start(job)).rejects.toThrow('connection terminated');
    const stepVersion = (await versions.getActive(t.environment))?.version;
    expect(stepVersion?.document.canary).toMatchObject({ name: t.diff.id, share: 0.05 });
    expect(await t.service.start(job)).toBe('started');
    expect((await versions.getActive(t.environment))?.version.id).toBe(stepVersion?.id);
    expect(t.scheduled.map((s) => s.job.versionId)).toEqual([stepVersion?.id]);
    expect(await actions(t.diff.id)).toEqual(['proposed', 'approved', 'canary_started']);
  });

  it('finishes a step change, a promotion and a rollback that a retried check finds half done', async () => {
    const t = await setUp();
    await t.service.start({ diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule });
    const step0 = t.scheduled.at(-1)!.job;
    t.advance(2_000);
    await traffic(step0, t.diff.id, 400, { canary: 0.95, control: 0.9 }, 4);

    // Activated step 2, then the database dropped the event.
    t.faults.transition = 'canary_step';
    await expect(t.service.check(step0)).rejects.toThrow('connection terminated');
    const step1Version = (await versions.getActive(t.environment))?.version.id;
    expect(await t.service.check(step0)).toBe('advanced');
    const step1 = t.scheduled.at(-1)!.job;
    expect(step1).toMatchObject({ step: 1, versionId: step1Version });
    expect((await versions.getActive(t.environment))?.version.id).toBe(step1Version);

    // Activated the promotion, then the database dropped the event.
    t.advance(2_000);
    await traffic(step1, t.diff.id, 400, { canary: 0.95, control: 0.9 }, 5);
    t.faults.transition = 'promoted';
    await expect(t.service.check(step1)).rejects.toThrow('connection terminated');
    const promotedVersion = (await versions.getActive(t.environment))?.version;
    expect(promotedVersion?.document).toEqual(doc('cheap'));
    expect(await t.service.check(step1)).toBe('promoted');
    expect((await versions.getActive(t.environment))?.version.id).toBe(promotedVersion?.id);
    expect(await actions(t.diff.id)).toEqual(['proposed', 'approved', 'canary_started', 'canary_step', 'promoted']);
    expect((await diffs.events(t.diff.id)).map((e) => e.comment).join('\n')).not.toContain('stopped');

    const u = await setUp();
    await u.service.start({ diffId: u.diff.id, environment: u.environment, actor: 'alice', schedule });
    const first = u.scheduled.at(-1)!.job;
    u.advance(2_000);
    await traffic(first, u.diff.id, 400, { canary: 0.6, control: 0.9 }, 6);
    u.faults.transition = 'rolled_back';
    await expect(u.service.check(first)).rejects.toThrow('connection terminated');
    expect(await u.service.check(first)).toBe('rolled_back');
    expect((await versions.getActive(u.environment))?.version.id).toBe(u.parent.id);
    expect((await diffs.get(u.diff.id))?.status).toBe('rolled_back');
  });

  it('queues the next step on a retried check whose advance was recorded but not queued, and ignores checks of steps already left', async () => {
    const t = await setUp();
    await t.service.start({ diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule });
    const step0 = t.scheduled.at(-1)!.job;
    t.advance(2_000);
    await traffic(step0, t.diff.id, 400, { canary: 0.95, control: 0.9 }, 7);
    t.faults.schedule = true;
    await expect(t.service.check(step0)).rejects.toThrow('Connection is closed.');
    t.advance(100);
    expect(await t.service.check(step0)).toBe('advanced');
    const step1 = t.scheduled.at(-1)!;
    expect(step1.job).toMatchObject({ step: 1, versionId: (await versions.getActive(t.environment))?.version.id });
    const recorded = (await diffs.events(t.diff.id)).at(-1);
    expect(recorded).toMatchObject({ action: 'canary_step', details: { step: 1, stepStartedAt: step1.job.stepStartedAt } });

    // A second chain of step-1 checks (a duplicate delivery, say) ends quietly once the rollout moved on.
    const before = t.scheduled.length;
    expect(await t.service.check({ ...step0, stepStartedAt: step0.stepStartedAt + 1 })).toBe('advanced');
    expect(t.scheduled.slice(before).map((s) => s.at)).toEqual([step1.at]);
    await versions.activate(t.environment, t.parent.id, 'bob', 'manual');
    expect(await t.service.check(step0)).toBe('stale');
    expect(await actions(t.diff.id)).toEqual(['proposed', 'approved', 'canary_started', 'canary_step']);
  });

  it('records a single-step schedule as promoted straight from approved', async () => {
    const t = await setUp();
    const single = canaryScheduleSchema.parse({ steps: [1] });
    expect(await t.service.start({ diffId: t.diff.id, environment: t.environment, actor: 'alice', schedule: single })).toBe('promoted');
    expect((await versions.getActive(t.environment))?.version.document).toEqual(doc('cheap'));
    expect((await diffs.get(t.diff.id))?.status).toBe('promoted');
    expect(t.scheduled).toEqual([]);
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
