import type { CanaryStatus } from '@switchyard/contracts';
import { armQuality, errorRate, qualityDifference } from './canary-stats';

/**
 * What the worker writes into a canary step's `details` (CanaryRolloutService.recordStep and the
 * measurement repository's per-arm summary). The contract types `details` as an open record, so the
 * console reads it through these narrow types and drops anything that does not fit rather than
 * guessing.
 */
export interface ArmStats {
  calls: number;
  errors: number;
  /** Calls with a judge score. */
  scored: number;
  meanScore: number | null;
  /** Sample variance of the judge scores. */
  scoreVariance: number | null;
  p95LatencyMs: number | null;
  meanCostUsd: number | null;
}

/** A value with its 95% interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

/** One arm at one measurement, in the terms the page shows. */
export interface ArmPoint {
  calls: number;
  errors: number;
  /** Judged calls. */
  scored: number;
  /** Mean judged quality with its 95% interval; null with fewer than two judged calls. */
  quality: Interval | null;
  /** Error rate with its 95% (Wilson) interval; null without calls. */
  errorRate: Interval | null;
  p95LatencyMs: number | null;
}

export type Verdict = 'wait' | 'pass' | 'fail';

/** Both arms as measured at one check of a step (or, from the step log, over a whole step). */
export interface Measurement {
  /** ISO time the measurement was recorded. */
  at: string;
  /** 0-based index of the step that was measured; null when unknown. */
  step: number | null;
  /** The canary share during the measured step; null when unknown. */
  share: number | null;
  /** What the check decided, and why; null when the source does not say. */
  verdict: Verdict | null;
  reason: string | null;
  canary: ArmPoint;
  control: ArmPoint;
  /** Canary − control mean quality with Welch's 95% interval; null without two judged calls an arm. */
  qualityDelta: Interval | null;
}

export type CanaryStep = CanaryStatus['steps'][number];

/** `x` if it is a finite number, else null. */
export function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function record(x: unknown): Record<string, unknown> | null {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}

export function parseArm(x: unknown): ArmStats | null {
  const r = record(x);
  if (!r) return null;
  const calls = num(r.calls);
  const errors = num(r.errors);
  const scored = num(r.scored);
  if (calls === null || errors === null || scored === null) return null;
  return { calls, errors, scored, meanScore: num(r.meanScore), scoreVariance: num(r.scoreVariance), p95LatencyMs: num(r.p95LatencyMs), meanCostUsd: num(r.meanCostUsd) };
}

function armPoint(a: ArmStats): ArmPoint {
  const q = armQuality(a);
  const e = errorRate(a.calls, a.errors);
  return { calls: a.calls, errors: a.errors, scored: a.scored, quality: q && { value: q.value, low: q.low, high: q.high }, errorRate: e && { value: e.value, low: e.low, high: e.high }, p95LatencyMs: a.p95LatencyMs };
}

/** The step index and share a step event moved to (`canary_started`, `canary_step`). */
export function stepOf(step: CanaryStep): { step: number | null; share: number | null } {
  return { step: num(step.details.step), share: num(step.details.share) };
}

/**
 * The rollout's measurements, oldest first: every check the worker recorded (`checks`), or, from a
 * gateway or rollout that predates them, the measurements the step log carries (one per passed step).
 */
export function canaryMeasurements(status: Pick<CanaryStatus, 'steps'> & { checks?: readonly unknown[] }): Measurement[] {
  const fromChecks = measurementsFromChecks(status.checks ?? []);
  return fromChecks.length > 0 ? fromChecks : measurementsFromSteps(status.steps);
}

/**
 * The recorded checks, read defensively: the server's own intervals for quality and for the
 * difference (what the verdict judged), a Wilson interval for the error rate it gives as a point.
 */
export function measurementsFromChecks(checks: readonly unknown[]): Measurement[] {
  const out: Measurement[] = [];
  for (const c of checks) {
    const r = record(c);
    const at = r && typeof r.at === 'string' && !Number.isNaN(Date.parse(r.at)) ? r.at : null;
    const canary = r && checkArm(r.canary);
    const control = r && checkArm(r.control);
    if (!r || !at || !canary || !control) continue;
    const verdict = r.verdict === 'wait' || r.verdict === 'pass' || r.verdict === 'fail' ? r.verdict : null;
    out.push({ at, step: num(r.step), share: num(r.share), verdict, reason: typeof r.reason === 'string' ? r.reason : null, canary, control, qualityDelta: interval(r.qualityDelta, 'delta') });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function interval(x: unknown, key: 'delta' | 'mean'): Interval | null {
  const r = record(x);
  const value = r && num(r[key]);
  const low = r && num(r.low);
  const high = r && num(r.high);
  return value !== null && low !== null && high !== null ? { value, low, high } : null;
}

function checkArm(x: unknown): ArmPoint | null {
  const r = record(x);
  if (!r) return null;
  const calls = num(r.calls);
  const errors = num(r.errors);
  const scored = num(r.scored);
  if (calls === null || errors === null || scored === null) return null;
  const e = errorRate(calls, errors);
  return { calls, errors, scored, quality: interval(r.quality, 'mean'), errorRate: e && { value: e.value, low: e.low, high: e.high }, p95LatencyMs: num(r.p95LatencyMs) };
}

/**
 * Every measurement in the step log, oldest first. A `canary_step` event carries the measurement
 * of the step it ended (the one before the step it starts), so the measured share is the previous
 * step's; a `measurement` on any other event (a check) is taken as measured at that event's share.
 */
export function measurementsFromSteps(steps: readonly CanaryStep[]): Measurement[] {
  const out: Measurement[] = [];
  let currentStep: number | null = null;
  let currentShare: number | null = null;
  for (const s of [...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    const m = record(s.details.measurement);
    const canary = m && parseArm(m.canary);
    const control = m && parseArm(m.control);
    const moved = stepOf(s);
    const isStepEvent = s.action === 'canary_started' || s.action === 'canary_step';
    if (canary && control) {
      const measuredStep = isStepEvent && moved.step !== null ? moved.step - 1 : (moved.step ?? currentStep);
      const measuredShare = isStepEvent ? currentShare : (moved.share ?? currentShare);
      const d = qualityDifference(canary, control);
      out.push({ at: s.at, step: measuredStep, share: measuredShare, verdict: isStepEvent ? 'pass' : null, reason: null, canary: armPoint(canary), control: armPoint(control), qualityDelta: d && { value: d.value, low: d.low, high: d.high } });
    }
    if (isStepEvent) {
      currentStep = moved.step;
      currentShare = moved.share;
    }
  }
  return out;
}

/**
 * The schedule a `commented` "canary scheduled" event recorded, if any (the latest one): when it was
 * scheduled, when it starts (its `startAt`, else at once) and its shares.
 */
export function scheduledSteps(steps: readonly CanaryStep[]): { at: string; startsAt: string; shares: number[] } | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    const schedule = record(steps[i].details.schedule);
    if (!schedule || !Array.isArray(schedule.steps)) continue;
    const shares = schedule.steps.map(num).filter((x): x is number => x !== null);
    const startsAt = typeof schedule.startAt === 'string' && !Number.isNaN(Date.parse(schedule.startAt)) ? schedule.startAt : steps[i].at;
    return { at: steps[i].at, startsAt, shares };
  }
  return null;
}

/**
 * Why the rollout did what it did, as the worker wrote it: a step's comment is "step 2: 25% of
 * callers (quality … non-inferior …)", a promotion's or roll-back's comment is the reason itself.
 */
export function decisionReason(step: CanaryStep): string | null {
  switch (step.action) {
    case 'canary_step': {
      const open = step.comment?.indexOf('(') ?? -1;
      if (!step.comment || open < 0 || !step.comment.endsWith(')')) return null;
      return step.comment.slice(open + 1, -1);
    }
    case 'promoted':
    case 'rolled_back':
      if (step.details.aborted === true) return `aborted by ${step.actor}`;
      return step.comment;
    case 'proposed':
    case 'approved':
    case 'rejected':
    case 'canary_started':
    case 'superseded':
    case 'commented':
      return null;
  }
}
