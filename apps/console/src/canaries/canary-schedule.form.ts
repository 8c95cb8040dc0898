import type { CanarySchedule } from '@switchyard/contracts';
import { canaryScheduleSchema } from '@switchyard/contracts';

export type DurationUnit = 'seconds' | 'minutes' | 'hours';
export const UNIT_MS: Record<DurationUnit, number> = { seconds: 1_000, minutes: 60_000, hours: 3_600_000 };

export interface Duration {
  amount: string;
  unit: DurationUnit;
}

/**
 * The schedule form as typed: text the user edits, in the units a person thinks in (minutes of
 * dwell, quality points of tolerance). `toSchedule` turns it into the API's units and checks it with
 * the contract's own schema, so the form refuses exactly what the API would.
 */
export interface ScheduleForm {
  /** `datetime-local` value (local time); empty = now. */
  startAt: string;
  /** Comma-separated shares, e.g. "0.05, 0.25, 0.5, 1". */
  steps: string;
  dwell: Duration;
  minSamplesPerStep: string;
  /** Quality points (0.02 on the score scale = 2 points). */
  tolerancePts: string;
  allowPredictedDrop: boolean;
  /** Percentage points of error rate. */
  errorRateTolerancePct: string;
  latencyP95Ratio: string;
  latencyP95SlackMs: string;
  maxStep: Duration;
  checkEvery: Duration;
}

export interface FormIssue {
  /** The form field the issue is about (a key of ScheduleForm), or '' for the whole schedule. */
  field: keyof ScheduleForm | '';
  message: string;
}

export type ScheduleResult = { ok: true; schedule: CanarySchedule } | { ok: false; issues: FormIssue[] };

/** The contract's defaults: what the API would use for an empty schedule. */
export const SCHEDULE_DEFAULTS: CanarySchedule = canaryScheduleSchema.parse({});

/** A duration in the largest unit that shows it as a whole number. */
export function durationOf(ms: number): Duration {
  for (const unit of ['hours', 'minutes', 'seconds'] as const) {
    if (ms % UNIT_MS[unit] === 0 && ms >= UNIT_MS[unit]) return { amount: String(ms / UNIT_MS[unit]), unit };
  }
  return { amount: String(ms / 1000), unit: 'seconds' };
}

/** Rounds away binary noise (0.02 * 100 = 2.0000000000000004) without hiding a real fraction. */
const clean = (x: number): string => String(Number(x.toPrecision(12)));

export function defaultForm(d: CanarySchedule = SCHEDULE_DEFAULTS): ScheduleForm {
  return {
    startAt: '',
    steps: d.steps.join(', '),
    dwell: durationOf(d.minDwellMs),
    minSamplesPerStep: String(d.minSamplesPerStep),
    tolerancePts: clean(d.tolerance * 100),
    allowPredictedDrop: d.allowPredictedDrop,
    errorRateTolerancePct: clean(d.errorRateTolerance * 100),
    latencyP95Ratio: String(d.latencyP95Ratio),
    latencyP95SlackMs: String(d.latencyP95SlackMs),
    maxStep: durationOf(d.maxStepMs),
    checkEvery: durationOf(d.checkEveryMs),
  };
}

/** Schema paths back to the form fields that produce them, so each message lands beside its control. */
const FIELD_OF: Record<string, keyof ScheduleForm> = {
  startAt: 'startAt',
  steps: 'steps',
  minDwellMs: 'dwell',
  minSamplesPerStep: 'minSamplesPerStep',
  tolerance: 'tolerancePts',
  allowPredictedDrop: 'allowPredictedDrop',
  errorRateTolerance: 'errorRateTolerancePct',
  latencyP95Ratio: 'latencyP95Ratio',
  latencyP95SlackMs: 'latencyP95SlackMs',
  maxStepMs: 'maxStep',
  checkEveryMs: 'checkEvery',
};

export function toSchedule(form: ScheduleForm): ScheduleResult {
  const issues: FormIssue[] = [];
  const number = (field: keyof ScheduleForm, text: string, scale = 1): number => {
    const trimmed = text.trim();
    const value = trimmed === '' ? Number.NaN : Number(trimmed);
    if (!Number.isFinite(value)) {
      issues.push({ field, message: `“${text}” is not a number` });
      return Number.NaN;
    }
    // Round to whole ms / a few decimals so unit conversion does not fail the schema's integer checks.
    return Number((value * scale).toPrecision(12));
  };
  const duration = (field: keyof ScheduleForm, d: Duration): number => Math.round(number(field, d.amount, UNIT_MS[d.unit]));

  const shares: number[] = [];
  const tokens = form.steps.split(',').map((t) => t.trim());
  if (tokens.length === 1 && tokens[0] === '') issues.push({ field: 'steps', message: 'give at least one share, ending at 1' });
  else
    for (const token of tokens) {
      const value = token === '' ? Number.NaN : Number(token);
      if (!Number.isFinite(value)) issues.push({ field: 'steps', message: `“${token}” is not a share between 0 and 1` });
      else shares.push(value);
    }

  let startAt: string | undefined;
  if (form.startAt.trim() !== '') {
    const t = new Date(form.startAt);
    if (Number.isNaN(t.getTime())) issues.push({ field: 'startAt', message: 'not a valid date and time' });
    else startAt = t.toISOString();
  }

  const candidate = {
    ...(startAt && { startAt }),
    steps: shares,
    minDwellMs: duration('dwell', form.dwell),
    minSamplesPerStep: number('minSamplesPerStep', form.minSamplesPerStep),
    tolerance: number('tolerancePts', form.tolerancePts, 0.01),
    allowPredictedDrop: form.allowPredictedDrop,
    errorRateTolerance: number('errorRateTolerancePct', form.errorRateTolerancePct, 0.01),
    latencyP95Ratio: number('latencyP95Ratio', form.latencyP95Ratio),
    latencyP95SlackMs: number('latencyP95SlackMs', form.latencyP95SlackMs),
    maxStepMs: duration('maxStep', form.maxStep),
    checkEveryMs: duration('checkEvery', form.checkEvery),
  };
  if (issues.length > 0) return { ok: false, issues };

  const parsed = canaryScheduleSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, schedule: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => {
      const key = typeof i.path[0] === 'string' ? i.path[0] : '';
      const field = FIELD_OF[key] ?? '';
      const where = i.path.length > 1 ? ` (step ${Number(i.path[1]) + 1})` : '';
      return { field, message: `${i.message}${where}` };
    }),
  };
}
