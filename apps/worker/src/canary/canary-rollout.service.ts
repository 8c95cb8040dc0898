import { Logger } from '@nestjs/common';
import { type CanaryJob, type CanaryStartJob, type PolicyDiffDeltas, policyDocumentSchema } from '@switchyard/contracts';
import type { CanaryMeasurement, CanaryMeasurementRepository, PolicyDiffRepository, PolicyDiffRow, PolicyVersionRepository } from '@switchyard/db';
import { rolloutStep } from '@switchyard/routing';
import { welchFromSummaries } from '@switchyard/scoring';
import { judgeCanaryStep } from './canary-verdict.js';

export const CANARY_ACTOR = 'canary';

/** Announces an activation to the environment's gateways. */
export interface ActivationNotifier {
  published(environment: string, versionId: string): Promise<void>;
}

/** Schedules a canary step's next check at epoch ms `at`. */
export type CanaryCheckScheduler = (job: CanaryJob, at: number) => Promise<void>;

export type CanaryOutcome = 'started' | 'waiting' | 'advanced' | 'promoted' | 'rolled_back' | 'stale';

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/**
 * Runs an approved policy diff's rollout. Each step is a new policy version (the parent, rolling out
 * the proposed policy to a larger share), activated and announced like any other; a step advances
 * only when the canary side is measured non-inferior, else the parent version is re-activated.
 * Everything a step needs is on its job and in Postgres, so a restart resumes the same step.
 */
export class CanaryRolloutService {
  private readonly logger = new Logger(CanaryRolloutService.name);

  constructor(
    private readonly diffs: PolicyDiffRepository,
    private readonly versions: PolicyVersionRepository,
    private readonly measurements: CanaryMeasurementRepository,
    private readonly notifier: ActivationNotifier,
    private readonly scheduleCheck: CanaryCheckScheduler,
    private readonly now: () => number = Date.now,
  ) {}

  async start(job: CanaryStartJob): Promise<CanaryOutcome> {
    const diff = await this.diffs.get(job.diffId);
    if (!diff || diff.status !== 'approved') return 'stale';
    const active = await this.versions.getActive(job.environment);
    if (active?.version.id !== diff.parentVersionId) {
      await this.diffs.transition(diff.id, 'commented', CANARY_ACTOR, `not started: the active policy is ${active?.version.id ?? 'none'}, not this diff's parent ${diff.parentVersionId}`);
      return 'stale';
    }
    const share = job.schedule.steps[0];
    if (share >= 1) return this.promote(diff, job.environment, undefined, 'a single-step schedule');
    const versionId = await this.activateStep(diff, job.environment, 0, job.schedule.steps.length, share);
    await this.diffs.transition(diff.id, 'canary_started', job.actor, `step 1: ${pct(share)} of callers`, { details: { step: 0, share, versionId } });
    const startedAt = this.now();
    await this.scheduleCheck({ diffId: diff.id, environment: job.environment, step: 0, versionId, parentVersionId: diff.parentVersionId, stepStartedAt: startedAt, schedule: job.schedule }, startedAt + job.schedule.minDwellMs);
    return 'started';
  }

  async check(job: CanaryJob): Promise<CanaryOutcome> {
    const diff = await this.diffs.get(job.diffId);
    if (!diff || diff.status !== 'canary') return 'stale';
    const active = await this.versions.getActive(job.environment);
    if (active?.version.id !== job.versionId) {
      // Someone activated another version meanwhile: the canary no longer runs, and is not ours to undo.
      await this.diffs.transition(diff.id, 'commented', CANARY_ACTOR, `stopped: the active policy moved to ${active?.version.id ?? 'none'} during step ${job.step + 1}`);
      return 'stale';
    }
    // Only the diff's workloads: the others route alike on both arms and would dilute the comparison.
    const m = await this.measurements.measure(job.versionId, diff.id, new Date(job.stepStartedAt), diff.workloads);
    const acceptedDrop = job.schedule.allowPredictedDrop ? Math.max(0, -diff.predicted.quality.low) : 0;
    const verdict = judgeCanaryStep(m, job.schedule, this.now() - job.stepStartedAt, acceptedDrop);
    switch (verdict.kind) {
      case 'wait':
        await this.scheduleCheck(job, this.now() + job.schedule.checkEveryMs);
        return 'waiting';
      case 'fail':
        return this.rollBack(diff, job, verdict.reason, measured(m, verdict.quality));
      case 'pass': {
        const next = job.step + 1;
        const share = job.schedule.steps[next];
        if (share >= 1) return this.promote(diff, job.environment, measured(m, verdict.quality), verdict.reason);
        const versionId = await this.activateStep(diff, job.environment, next, job.schedule.steps.length, share);
        await this.diffs.transition(diff.id, 'canary_step', CANARY_ACTOR, `step ${next + 1}: ${pct(share)} of callers (${verdict.reason})`, {
          details: { step: next, share, versionId, measurement: m },
          measured: measured(m, verdict.quality),
        });
        const startedAt = this.now();
        await this.scheduleCheck({ ...job, step: next, versionId, stepStartedAt: startedAt }, startedAt + job.schedule.minDwellMs);
        return 'advanced';
      }
    }
  }

  private async activateStep(diff: PolicyDiffRow, environment: string, step: number, steps: number, share: number): Promise<string> {
    const parent = await this.versions.findById(diff.parentVersionId);
    if (!parent) throw new Error(`policy version ${diff.parentVersionId} is missing`);
    const document = rolloutStep(policyDocumentSchema.parse(parent.document), diff.proposedDocument, diff.id, share);
    const reason = `canary ${diff.id}: step ${step + 1} of ${steps}, ${pct(share)} of callers`;
    const version = await this.versions.create({ parentId: parent.id, createdBy: CANARY_ACTOR, reason, document });
    await this.versions.activate(environment, version.id, CANARY_ACTOR, reason);
    await this.notify(environment, version.id);
    return version.id;
  }

  private async promote(diff: PolicyDiffRow, environment: string, m: PolicyDiffDeltas | undefined, why: string): Promise<CanaryOutcome> {
    const reason = `canary ${diff.id}: promoted (${why})`;
    const version = await this.versions.create({ parentId: diff.parentVersionId, createdBy: CANARY_ACTOR, reason, document: diff.proposedDocument });
    await this.versions.activate(environment, version.id, CANARY_ACTOR, reason);
    await this.notify(environment, version.id);
    await this.diffs.transition(diff.id, 'promoted', CANARY_ACTOR, why, { details: { versionId: version.id }, ...(m && { measured: m }) });
    this.logger.log(reason);
    return 'promoted';
  }

  private async rollBack(diff: PolicyDiffRow, job: CanaryJob, why: string, m: PolicyDiffDeltas | undefined): Promise<CanaryOutcome> {
    await this.versions.activate(job.environment, job.parentVersionId, CANARY_ACTOR, `canary ${diff.id} rolled back: ${why}`);
    await this.notify(job.environment, job.parentVersionId);
    await this.diffs.transition(diff.id, 'rolled_back', CANARY_ACTOR, why, { details: { step: job.step, restored: job.parentVersionId }, ...(m && { measured: m }) });
    this.logger.warn(`canary ${diff.id} rolled back at step ${job.step + 1}: ${why}`);
    return 'rolled_back';
  }

  /** The pointer in Postgres is the truth and gateways poll it; a lost notice only delays the switch. */
  private async notify(environment: string, versionId: string): Promise<void> {
    try {
      await this.notifier.published(environment, versionId);
    } catch (err) {
      this.logger.warn(`could not announce ${versionId}: ${(err as Error).message}; gateways pick it up on their next poll`);
    }
  }
}

/** The canary's measured deltas, in the diff's terms, each with its 95% interval; undefined when a comparison was not possible. */
function measured(m: CanaryMeasurement, quality: { diff: number; low: number; high: number } | undefined): PolicyDiffDeltas | undefined {
  const { canary, control } = m;
  if (!quality || canary.meanCostUsd === null || control.meanCostUsd === null || canary.costed < 2 || control.costed < 2) return undefined;
  const cost = welchFromSummaries(
    { n: canary.costed, mean: canary.meanCostUsd, variance: canary.costVariance ?? 0 },
    { n: control.costed, mean: control.meanCostUsd, variance: control.costVariance ?? 0 },
  );
  return {
    quality: { delta: quality.diff, low: quality.low, high: quality.high },
    costPerRequest: { delta: cost.diff, low: cost.low, high: cost.high, relative: control.meanCostUsd > 0 ? cost.diff / control.meanCostUsd : 0 },
    ...(canary.p95LatencyMs !== null && control.p95LatencyMs !== null && { latencyP95Ms: { delta: canary.p95LatencyMs - control.p95LatencyMs } }),
  };
}
