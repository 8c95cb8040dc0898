import type { ScheduleCanaryRequest } from '@switchyard/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { useApi } from '../auth/session.context';
import { dateTime } from '../ui/format';
import { ErrorNotice } from '../ui/error-notice.component';
import { canaryKeys } from './canary.queries';
import { defaultForm, type Duration, type DurationUnit, type FormIssue, type ScheduleForm, toSchedule } from './canary-schedule.form';
import { share as shareText } from './canary.format';

const ADVANCED: ReadonlySet<keyof ScheduleForm> = new Set(['allowPredictedDrop', 'errorRateTolerancePct', 'latencyP95Ratio', 'latencyP95SlackMs', 'maxStep', 'checkEvery']);

interface ScheduledResponse {
  diffId: string;
  startsAt: string;
  schedule: ScheduleCanaryRequest['schedule'];
}

/**
 * Schedules an approved diff's rollout. Prefilled with the contract's defaults and checked with the
 * contract's schema before sending; the API's refusal (e.g. a 409 when the diff is stale) is shown as it says.
 */
export function CanaryScheduleForm({ diffId }: { diffId: string }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ScheduleForm>(() => defaultForm());
  const [issues, setIssues] = useState<FormIssue[]>([]);
  const [moreOpen, setMoreOpen] = useState(false);
  const id = useId();
  const mutation = useMutation({
    mutationFn: (body: ScheduleCanaryRequest) => api.post<ScheduledResponse>(`/admin/policy-diffs/${encodeURIComponent(diffId)}/canary`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: canaryKeys.all }),
  });

  const set = <K extends keyof ScheduleForm>(key: K, value: ScheduleForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = toSchedule(form);
    if (!result.ok) {
      setIssues(result.issues);
      // A problem in a folded setting must not hide behind the fold.
      if (result.issues.some((i) => i.field !== '' && ADVANCED.has(i.field))) setMoreOpen(true);
      return;
    }
    setIssues([]);
    mutation.mutate({ schedule: result.schedule });
  };

  const issuesFor = (field: keyof ScheduleForm) => issues.filter((i) => i.field === field);
  const fieldProps = (field: keyof ScheduleForm) => {
    const has = issuesFor(field).length > 0;
    return { 'aria-invalid': has || undefined, 'aria-describedby': has ? `${id}-${field}-issues` : undefined };
  };
  const issueText = (field: keyof ScheduleForm) => {
    const list = issuesFor(field);
    if (list.length === 0) return null;
    return (
      <span id={`${id}-${field}-issues`} className="field-issues" style={{ color: 'var(--bad)', display: 'block' }}>
        {list.map((i) => i.message).join('; ')}
      </span>
    );
  };

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Schedule the canary</h2>
      <form onSubmit={submit} noValidate aria-busy={mutation.isPending}>
        <div className="filters">
          <div>
            <label htmlFor={`${id}-start`}>Start time (your local time; empty = now)</label>
            <input id={`${id}-start`} type="datetime-local" value={form.startAt} onChange={(e) => set('startAt', e.target.value)} {...fieldProps('startAt')} />
            {issueText('startAt')}
          </div>
          <div>
            <label htmlFor={`${id}-steps`}>Steps (shares of callers, comma-separated, ending at 1)</label>
            <input id={`${id}-steps`} type="text" inputMode="decimal" size={24} value={form.steps} onChange={(e) => set('steps', e.target.value)} {...fieldProps('steps')} />
            {issueText('steps')}
          </div>
          <DurationField id={`${id}-dwell`} label="Least dwell per step" value={form.dwell} onChange={(d) => set('dwell', d)} invalid={fieldProps('dwell')} issues={issueText('dwell')} />
          <div>
            <label htmlFor={`${id}-tolerance`}>Tolerance (quality points below control)</label>
            <input id={`${id}-tolerance`} type="number" step="0.1" min="0" max="100" value={form.tolerancePts} onChange={(e) => set('tolerancePts', e.target.value)} {...fieldProps('tolerancePts')} />
            {issueText('tolerancePts')}
          </div>
          <div>
            <label htmlFor={`${id}-samples`}>Least judged calls per arm per step</label>
            <input id={`${id}-samples`} type="number" step="1" min="2" value={form.minSamplesPerStep} onChange={(e) => set('minSamplesPerStep', e.target.value)} {...fieldProps('minSamplesPerStep')} />
            {issueText('minSamplesPerStep')}
          </div>
        </div>
        <details open={moreOpen} onToggle={(e) => setMoreOpen(e.currentTarget.open)}>
          <summary>More settings</summary>
          <div className="filters">
            <div>
              <input id={`${id}-allow-drop`} type="checkbox" checked={form.allowPredictedDrop} onChange={(e) => set('allowPredictedDrop', e.target.checked)} />{' '}
              <label htmlFor={`${id}-allow-drop`} style={{ display: 'inline' }}>
                Also allow the drop the approved prediction accepted (its low end)
              </label>
            </div>
            <div>
              <label htmlFor={`${id}-error-tolerance`}>Error-rate tolerance (percentage points)</label>
              <input id={`${id}-error-tolerance`} type="number" step="0.1" min="0" max="100" value={form.errorRateTolerancePct} onChange={(e) => set('errorRateTolerancePct', e.target.value)} {...fieldProps('errorRateTolerancePct')} />
              {issueText('errorRateTolerancePct')}
            </div>
            <div>
              <label htmlFor={`${id}-p95-ratio`}>Largest p95 latency ratio (canary ÷ control, ×)</label>
              <input id={`${id}-p95-ratio`} type="number" step="0.05" min="1" value={form.latencyP95Ratio} onChange={(e) => set('latencyP95Ratio', e.target.value)} {...fieldProps('latencyP95Ratio')} />
              {issueText('latencyP95Ratio')}
            </div>
            <div>
              <label htmlFor={`${id}-p95-slack`}>p95 latency slack (ms)</label>
              <input id={`${id}-p95-slack`} type="number" step="1" min="0" value={form.latencyP95SlackMs} onChange={(e) => set('latencyP95SlackMs', e.target.value)} {...fieldProps('latencyP95SlackMs')} />
              {issueText('latencyP95SlackMs')}
            </div>
            <DurationField id={`${id}-max-step`} label="Roll back a step still undecided after" value={form.maxStep} onChange={(d) => set('maxStep', d)} invalid={fieldProps('maxStep')} issues={issueText('maxStep')} />
            <DurationField id={`${id}-check-every`} label="Check every" value={form.checkEvery} onChange={(d) => set('checkEvery', d)} invalid={fieldProps('checkEvery')} issues={issueText('checkEvery')} />
          </div>
        </details>
        {issues.length > 0 && (
          <p role="alert" className="error-notice">
            The schedule was not sent: {issues.length === 1 ? 'one setting needs' : `${issues.length} settings need`} fixing ({issues.map((i) => i.message).join('; ')}).
          </p>
        )}
        <p>
          <button type="submit" disabled={mutation.isPending}>
            {mutation.isPending ? 'Scheduling…' : 'Schedule canary'}
          </button>
        </p>
      </form>
      <ErrorNotice error={mutation.error} title="The canary was not scheduled" />
      {mutation.data && (
        <p role="status" className="notice">
          Scheduled: the first step ({shareText(mutation.data.schedule.steps[0])} of callers) starts {dateTime(mutation.data.startsAt)}.
        </p>
      )}
    </section>
  );
}

interface DurationFieldProps {
  id: string;
  label: string;
  value: Duration;
  onChange: (d: Duration) => void;
  invalid: { 'aria-invalid'?: boolean; 'aria-describedby'?: string };
  issues: ReactNode;
}

/** A duration typed in the unit a person thinks in; the form converts it to the API's milliseconds. */
function DurationField({ id, label, value, onChange, invalid, issues }: DurationFieldProps) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" step="any" min="0" value={value.amount} onChange={(e) => onChange({ ...value, amount: e.target.value })} {...invalid} />{' '}
      <label htmlFor={`${id}-unit`} className="visually-hidden">
        {label}: unit
      </label>
      <select id={`${id}-unit`} value={value.unit} onChange={(e) => onChange({ ...value, unit: e.target.value as DurationUnit })}>
        <option value="seconds">seconds</option>
        <option value="minutes">minutes</option>
        <option value="hours">hours</option>
      </select>
      {issues}
    </div>
  );
}
