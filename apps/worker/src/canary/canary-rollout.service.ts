import { Logger } from '@nestjs/common';
import { type CanaryJob, type CanarySchedule, type CanaryStartJob, type PolicyDiffDeltas, policyDocumentSchema } from '@switchyard/contracts';
import type { ActivePolicyVersion, CanaryMeasurement, CanaryMeasurementRepository, PolicyDiffEventRow, PolicyDiffRepository, PolicyDiffRow, PolicyVersionRepository } from '@switchyard/db';
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

/** What the reason of every version a rollout creates begins with, so a retry can tell its own activations. */
const versionReason = (diffId: string): string => `canary ${diffId}:`;

/** A step as the diff's audit log recorded it (`canary_started`, `canary_step`). */
interface RecordedStep {
  step: number;
  versionId: string;
  /** Epoch ms; events written before it was recorded use their own time. */
  stepStartedAt: number;
}

/** What this rollout last activated itself, seen in the active pointer: a step (and its share) or the promotion. */
type OwnActivation = { kind: 'step'; versionId: string; share: number } | { kind: 'promoted'; versionId: string };

/**
 * Runs an approved policy diff's rollout. Each step is a new policy version (the parent, rolling out
 * the proposed policy to a larger share), activated and announced like any other; a step advances
 * only when the canary side is measured non-inferior, else the parent version is re-activated.
 * Everything a step needs is on its job and in Postgres, so a restart resumes the same step.
 *
 * A job is retried when it fails part-way (a transient Postgres or Redis error, a worker killed
 * mid-job), so each job first finishes whatever its earlier attempt left half done: an activation
 * not yet recorded is recorded, a recorded step whose first check was not queued gets it queued
 * (under the same job id, so never twice), and a check of a step the rollout already left ends quietly.
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
    if (!diff) return 'stale';
    const active = await this.versions.getActive(job.environment);
    if (diff.status === 'canary') {
      // An earlier attempt recorded step 1; make sure its first check is queued.
      const recorded = await this.lastRecordedStep(diff.id);
      if (recorded?.step !== 0 || active?.version.id !== recorded.versionId) return 'stale';
      await this.scheduleFirstCheck(diff, job.environment, job.schedule, recorded);
      return 'started';
    }
    if (diff.status !== 'approved') return 'stale';
    const share = job.schedule.steps[0];
    // An earlier attempt activated step 1 (or the promotion) but could not record it.
    const own = active && this.ownActivation(diff, active);
    if (own?.kind === 'step' && own.share === share) return this.recordStep(diff, job.environment, job.schedule, 0, own.versionId, this.now(), job.actor, `step 1: ${pct(share)} of callers`);
    if (own?.kind === 'promoted' && share >= 1) return this.recordPromoted(diff, own.versionId, undefined, 'a single-step schedule');
    if (active?.version.id !== diff.parentVersionId) {
      await this.diffs.transition(diff.id, 'commented', CANARY_ACTOR, `not started: the active policy is ${active?.version.id ?? 'none'}, not this diff's parent ${diff.parentVersionId}`);
      return 'stale';
    }
    if (share >= 1) return this.promote(diff, job.environment, undefined, 'a single-step schedule');
    const versionId = await this.activateStep(diff, job.environment, 0, job.schedule.steps.length, share);
    return this.recordStep(diff, job.environment, job.schedule, 0, versionId, this.now(), job.actor, `step 1: ${pct(share)} of callers`);
  }

  async check(job: CanaryJob): Promise<CanaryOutcome> {
    const diff = await this.diffs.get(job.diffId);
    if (!diff || diff.status !== 'canary') return 'stale';
    const [active, recorded] = await Promise.all([this.versions.getActive(job.environment), this.lastRecordedStep(diff.id)]);
    if (recorded && recorded.step > job.step) {
      // This step is over. If this job's earlier attempt advanced it, make sure the next step's first check is queued.
      if (recorded.step !== job.step + 1 || active?.version.id !== recorded.versionId) return 'stale';
      await this.scheduleFirstCheck(diff, job.environment, job.schedule, recorded);
      return 'advanced';
    }
    if (active?.version.id !== job.versionId) {
      const resumed = active && (await this.finishUnrecorded(diff, job, active));
      if (resumed) return resumed;
      // Someone activated another version meanwhile: the canary no longer runs, and is not ours to undo.
      await this.diffs.transition(diff.id, 'commented', CANARY_ACTOR, `stopped: the active policy moved to ${active?.version.id ?? 'none'} during step ${job.step + 1}`);
      return 'stale';
    }
    // Only the diff's workloads: the others route alike on both arms and would dilute the comparison.
    const m = await this.measurements.measure(job.versionId, diff.id, new Date(job.stepStartedAt), diff.workloads);
    const acceptedDrop = job.schedule.allowPredictedDrop ? Math.max(0, -diff.predicted.quality.low) : 0;
    const verdict = judgeCanaryStep(m, job.schedule, this.now() - job.stepStartedAt, acceptedDrop);
    // Before acting on it, so the series also holds the check that ended the step.
    await this.measurements.recordCheck({ diffId: diff.id, step: job.step, share: job.schedule.steps[job.step], versionId: job.versionId, verdict: verdict.kind, reason: verdict.reason, measurement: m });
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
        return this.recordStep(diff, job.environment, job.schedule, next, versionId, this.now(), CANARY_ACTOR, `step ${next + 1}: ${pct(share)} of callers (${verdict.reason})`, {
          measurement: m,
          measured: measured(m, verdict.quality),
        });
      }
    }
  }

  /**
   * A retried check that finds the pointer moved by this very rollout (the next step, the promotion
   * or the parent restored) records that move, which its earlier attempt made but could not record.
   * A step recorded late is measured from now: the dwell restarts rather than count unmeasured time.
   * Undefined when the pointer moved for another reason.
   */
  private async finishUnrecorded(diff: PolicyDiffRow, job: CanaryJob, active: ActivePolicyVersion): Promise<CanaryOutcome | undefined> {
    const next = job.step + 1;
    const share = job.schedule.steps[next];
    const own = this.ownActivation(diff, active);
    if (own?.kind === 'step' && own.share === share) {
      return this.recordStep(diff, job.environment, job.schedule, next, own.versionId, this.now(), CANARY_ACTOR, `step ${next + 1}: ${pct(share)} of callers (recorded on a retry)`);
    }
    if (own?.kind === 'promoted' && share >= 1) return this.recordPromoted(diff, own.versionId, undefined, 'recorded on a retry');
    if (active.version.id === job.parentVersionId && active.activatedBy === CANARY_ACTOR) return this.recordRolledBack(diff, job, 'rolled back (recorded on a retry)', undefined);
    return undefined;
  }

  /** Records a step that is active, then queues its first check. */
  private async recordStep(
    diff: PolicyDiffRow,
    environment: string,
    schedule: CanarySchedule,
    step: number,
    versionId: string,
    stepStartedAt: number,
    actor: string,
    comment: string,
    evidence: { measurement?: CanaryMeasurement; measured?: PolicyDiffDeltas } = {},
  ): Promise<CanaryOutcome> {
    const share = schedule.steps[step];
    const moved = await this.diffs.transition(diff.id, step === 0 ? 'canary_started' : 'canary_step', actor, comment, {
      details: { step, share, versionId, stepStartedAt, ...(evidence.measurement && { measurement: evidence.measurement }) },
      ...(evidence.measured && { measured: evidence.measured }),
    });
    if (!moved.ok) {
      this.logger.warn(`canary ${diff.id}: step ${step + 1} not recorded (${moved.reason}); not checking it`);
      return 'stale';
    }
    await this.scheduleFirstCheck(diff, environment, schedule, { step, versionId, stepStartedAt });
    return step === 0 ? 'started' : 'advanced';
  }

  /** The same step and start time give the same job id, so queuing it again is a no-op. */
  private async scheduleFirstCheck(diff: PolicyDiffRow, environment: string, schedule: CanarySchedule, step: RecordedStep): Promise<void> {
    const job: CanaryJob = { diffId: diff.id, environment, step: step.step, versionId: step.versionId, parentVersionId: diff.parentVersionId, stepStartedAt: step.stepStartedAt, schedule };
    await this.scheduleCheck(job, step.stepStartedAt + schedule.minDwellMs);
  }

  private async lastRecordedStep(diffId: string): Promise<RecordedStep | undefined> {
    const events = await this.diffs.events(diffId);
    const last = events.findLast((e) => e.action === 'canary_started' || e.action === 'canary_step');
    return last && recordedStep(last);
  }

  /** The active version, if this rollout created it: only this diff's rollout names versions after it. */
  private ownActivation(diff: PolicyDiffRow, active: ActivePolicyVersion): OwnActivation | undefined {
    const { version } = active;
    if (version.createdBy !== CANARY_ACTOR || version.parentId !== diff.parentVersionId || !version.reason.startsWith(versionReason(diff.id))) return undefined;
    const canary = version.document.canary;
    if (!canary) return { kind: 'promoted', versionId: version.id };
    return canary.name === diff.id ? { kind: 'step', versionId: version.id, share: canary.share } : undefined;
  }

  private async activateStep(diff: PolicyDiffRow, environment: string, step: number, steps: number, share: number): Promise<string> {
    const parent = await this.versions.findById(diff.parentVersionId);
    if (!parent) throw new Error(`policy version ${diff.parentVersionId} is missing`);
    const document = rolloutStep(policyDocumentSchema.parse(parent.document), diff.proposedDocument, diff.id, share);
    const reason = `${versionReason(diff.id)} step ${step + 1} of ${steps}, ${pct(share)} of callers`;
    const version = await this.versions.create({ parentId: parent.id, createdBy: CANARY_ACTOR, reason, document });
    await this.versions.activate(environment, version.id, CANARY_ACTOR, reason);
    await this.notify(environment, version.id);
    return version.id;
  }

  private async promote(diff: PolicyDiffRow, environment: string, m: PolicyDiffDeltas | undefined, why: string): Promise<CanaryOutcome> {
    const reason = `${versionReason(diff.id)} promoted (${why})`;
    const version = await this.versions.create({ parentId: diff.parentVersionId, createdBy: CANARY_ACTOR, reason, document: diff.proposedDocument });
    await this.versions.activate(environment, version.id, CANARY_ACTOR, reason);
    await this.notify(environment, version.id);
    return this.recordPromoted(diff, version.id, m, why);
  }

  private async recordPromoted(diff: PolicyDiffRow, versionId: string, m: PolicyDiffDeltas | undefined, why: string): Promise<CanaryOutcome> {
    const moved = await this.diffs.transition(diff.id, 'promoted', CANARY_ACTOR, why, { details: { versionId }, ...(m && { measured: m }) });
    if (!moved.ok) this.logger.warn(`canary ${diff.id}: promoted ${versionId} but could not record it (${moved.reason})`);
    else this.logger.log(`canary ${diff.id}: promoted ${versionId} (${why})`);
    return 'promoted';
  }

  private async rollBack(diff: PolicyDiffRow, job: CanaryJob, why: string, m: PolicyDiffDeltas | undefined): Promise<CanaryOutcome> {
    await this.versions.activate(job.environment, job.parentVersionId, CANARY_ACTOR, `canary ${diff.id} rolled back: ${why}`);
    await this.notify(job.environment, job.parentVersionId);
    return this.recordRolledBack(diff, job, why, m);
  }

  private async recordRolledBack(diff: PolicyDiffRow, job: CanaryJob, why: string, m: PolicyDiffDeltas | undefined): Promise<CanaryOutcome> {
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

function recordedStep(event: PolicyDiffEventRow): RecordedStep | undefined {
  const { step, versionId, stepStartedAt } = event.details;
  if (typeof step !== 'number' || typeof versionId !== 'string') return undefined;
  return { step, versionId, stepStartedAt: typeof stepStartedAt === 'number' ? stepStartedAt : event.at.getTime() };
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
