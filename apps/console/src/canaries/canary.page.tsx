import type { CanaryStatus, PolicyDiffDetail } from '@switchyard/contracts';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { useSession } from '../auth/session.context';
import { dateTime } from '../ui/format';
import { ErrorNotice } from '../ui/error-notice.component';
import { isLive, LIVE_REFRESH_MS, useCanaryStatus, useDiff } from './canary.queries';
import { CanaryAbort } from './canary-abort.component';
import { CanaryMeasurements } from './canary-measurements.component';
import { CanaryPrediction } from './canary-prediction.component';
import { CanaryScheduleForm } from './canary-schedule-form.component';
import { canaryMeasurements, type Measurement, scheduledSteps, stepOf } from './canary-steps.parse';
import { CanaryTimeline } from './canary-timeline.component';
import { share as shareText } from './canary.format';

/** /console/canaries/:diffId: schedule an approved diff's rollout, watch it step by step, or stop it. */
export function CanaryPage() {
  const diffId = useParams().diffId ?? '';
  const status = useCanaryStatus(diffId);
  const live = isLive(status.data);
  const diff = useDiff(diffId, live);
  const data = status.data;
  const measurements = useMemo(() => (data ? canaryMeasurements(data) : []), [data]);

  return (
    <section aria-labelledby="canary-title">
      <h1 id="canary-title">
        Canary <code>{diffId}</code> {status.data && <span className={`status status-${status.data.status}`}>{status.data.status.replace('_', ' ')}</span>}
      </h1>
      <p>
        <Link to="/canaries">All canaries</Link>
      </p>
      <ErrorNotice error={status.error} title="Canary status" />
      <ErrorNotice error={diff.error} title="The diff" />
      {(status.isPending || diff.isPending) && !status.error && !diff.error && <p role="status">Loading…</p>}
      {diff.data && <CanaryPrediction diff={diff.data} measured={diff.data.measured} measuredSamples={measuredSamples(diff.data, measurements)} />}
      {status.data && diff.data && <Rollout status={status.data} diff={diff.data} measurements={measurements} updatedAt={status.dataUpdatedAt} live={live} />}
    </section>
  );
}

function Rollout({ status, diff, measurements, updatedAt, live }: { status: CanaryStatus; diff: PolicyDiffDetail; measurements: Measurement[]; updatedAt: number; live: boolean }) {
  // Scheduling and aborting change the shared routing: the API allows them to the global admin key only.
  const global = useSession().session.scope === 'global';
  const scheduled = scheduledSteps(status.steps);
  const started = status.steps.some((s) => s.action === 'canary_started');
  switch (status.status) {
    case 'approved':
      return (
        <>
          {scheduled && !started && (
            <p className="notice" role="status">
              A rollout is scheduled to start {dateTime(scheduled.startsAt)} ({scheduled.shares.map(shareText).join(' → ')} of callers); this page updates when
              its first step starts. Scheduling again below replaces this start (time and settings).
            </p>
          )}
          {global ? <CanaryScheduleForm diffId={diff.id} /> : <p className="notice">Scheduling a rollout changes the shared routing, so it takes the global admin key.</p>}
          {status.steps.length > 0 && <RolloutLog status={status} totalSteps={scheduled?.shares.length ?? null} />}
        </>
      );
    case 'canary':
    case 'promoted':
    case 'rolled_back':
      return (
        <>
          <section aria-labelledby="canary-progress">
            <h2 id="canary-progress">Progress</h2>
            <ShareProgress status={status} totalSteps={scheduled?.shares.length ?? null} />
            <p className="muted">
              Updated {new Date(updatedAt).toLocaleTimeString('en-GB', { timeZone: 'UTC' })} UTC{live && `, refreshing every ${LIVE_REFRESH_MS / 1000} s`}.
            </p>
          </section>
          <CanaryAbort diffId={diff.id} parentVersionId={diff.parentVersionId} running={status.status === 'canary' && global} />
          {status.status === 'canary' && !global && <p className="notice">Aborting a rollout changes the shared routing, so it takes the global admin key.</p>}
          <RolloutLog status={status} totalSteps={scheduled?.shares.length ?? null} />
          <section aria-labelledby="canary-measured">
            <h2 id="canary-measured">Canary against control</h2>
            <CanaryMeasurements measurements={measurements} predictedDelta={diff.predicted.quality.delta} />
          </section>
        </>
      );
    case 'proposed':
    case 'rejected':
    case 'superseded':
      return (
        <p className="notice">
          This diff is {status.status.replace('_', ' ')}: only an approved diff can be rolled out. <Link to={`/diffs/${encodeURIComponent(diff.id)}`}>Open the diff</Link>.
        </p>
      );
  }
}

function RolloutLog({ status, totalSteps }: { status: CanaryStatus; totalSteps: number | null }) {
  return (
    <section aria-labelledby="canary-steps">
      <h2 id="canary-steps">Steps</h2>
      <CanaryTimeline steps={status.steps} totalSteps={totalSteps} />
    </section>
  );
}

/** The share of callers on the proposed policy, as a bar with the same words beside it. */
export function ShareProgress({ status, totalSteps }: { status: CanaryStatus; totalSteps: number | null }) {
  const lastStep = status.steps.findLast((s) => s.action === 'canary_started' || s.action === 'canary_step');
  const index = lastStep ? stepOf(lastStep).step : null;
  const share = status.status === 'promoted' ? 1 : status.status === 'rolled_back' ? 0 : (status.share ?? 0);
  const where = index !== null ? `step ${index + 1}${totalSteps ? ` of ${totalSteps}` : ''}` : null;
  const text =
    status.status === 'promoted'
      ? 'Promoted: every caller is on the proposed policy'
      : status.status === 'rolled_back'
        ? `Rolled back${where ? ` at ${where}` : ''}: every caller is on the parent policy`
        : status.share === null
          ? 'No step is active right now'
          : `${shareText(share)} of callers on the proposed policy${where ? ` (${where})` : ''}`;
  return (
    <p>
      <label htmlFor="canary-share">Canary share</label>
      <progress id="canary-share" max={1} value={share} aria-valuetext={text} />{' '}
      <span data-testid="canary-share-text">{text}</span>
      {lastStep && status.status === 'canary' && <span className="muted"> since {dateTime(lastStep.at)}</span>}
    </p>
  );
}

/**
 * Judged calls behind the diff's `measured` deltas: those of the recorded measurement it came from
 * (the check that ended the rollout, or its last advance). Unknown when none matches, e.g. a
 * rollout from before checks were recorded, whose final check's counts were never logged.
 */
function measuredSamples(diff: PolicyDiffDetail, measurements: readonly Measurement[]): number | null {
  const measured = diff.measured;
  if (!measured) return null;
  const source = measurements.findLast((m) => m.qualityDelta !== null && Math.abs(m.qualityDelta.value - measured.quality.delta) < 1e-9);
  return source ? source.canary.scored + source.control.scored : null;
}
