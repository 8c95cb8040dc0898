import type { CanaryStatus, PolicyDiff } from '@switchyard/contracts';
import { useQueries } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useApi } from '../auth/session.context';
import { dateTime, points } from '../ui/format';
import { ErrorNotice } from '../ui/error-notice.component';
import { IntervalWhisker } from '../ui/interval.component';
import { canaryKeys, LIVE_REFRESH_MS, useDiffsWithStatus } from './canary.queries';
import { evidenceSamples } from './canary-prediction.component';
import { share as shareText } from './canary.format';

const RECENT = 10;

/** /console/canaries: diffs ready to roll out, rollouts running now, and the latest finished ones. */
export function CanariesListPage() {
  const approved = useDiffsWithStatus('approved', 50);
  const running = useDiffsWithStatus('canary', 50);
  const promoted = useDiffsWithStatus('promoted', RECENT);
  const rolledBack = useDiffsWithStatus('rolled_back', RECENT);
  const finished = [...(promoted.data?.data ?? []), ...(rolledBack.data?.data ?? [])].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt)).slice(0, RECENT);

  return (
    <section aria-labelledby="canaries-title">
      <h1 id="canaries-title">Canaries</h1>
      <p className="muted">An approved diff rolls out in steps, each checked against the control before the next; open one to schedule, watch or abort it.</p>

      <h2 id="canaries-running">Running</h2>
      <ErrorNotice error={running.error} title="Running canaries" />
      <RunningTable diffs={running.data?.data} labelledBy="canaries-running" />

      <h2 id="canaries-approved">Ready to schedule</h2>
      <ErrorNotice error={approved.error} title="Approved diffs" />
      <DiffTable diffs={approved.data?.data} labelledBy="canaries-approved" empty="No approved diff is waiting for a rollout." />

      <h2 id="canaries-finished">Recently finished</h2>
      <ErrorNotice error={promoted.error} title="Promoted diffs" />
      <ErrorNotice error={rolledBack.error} title="Rolled-back diffs" />
      <DiffTable diffs={promoted.isPending || rolledBack.isPending ? undefined : finished} labelledBy="canaries-finished" empty="No rollout has finished yet." />
    </section>
  );
}

/** The running rollouts, each with its current share (read from its own status, refreshed while it runs). */
function RunningTable({ diffs, labelledBy }: { diffs: PolicyDiff[] | undefined; labelledBy: string }) {
  const api = useApi();
  const statuses = useQueries({
    queries: (diffs ?? []).map((d) => ({
      queryKey: canaryKeys.canary(d.id),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get<CanaryStatus>(`/admin/policy-diffs/${encodeURIComponent(d.id)}/canary`, undefined, signal),
      refetchInterval: LIVE_REFRESH_MS,
    })),
  });
  return (
    <DiffTable
      diffs={diffs}
      labelledBy={labelledBy}
      empty="No canary is running."
      share={(d, i) => {
        const q = statuses[i];
        if (q.error) return <ErrorNotice error={q.error} />;
        if (!q.data) return <span className="muted">…</span>;
        const share = q.data.share;
        if (share === null) return <span className="muted">no step active</span>;
        const text = `${shareText(share)} of callers`;
        return (
          <>
            <progress max={1} value={share} aria-label={`Canary share of ${d.id}`} aria-valuetext={text} style={{ width: 120 }} /> {text}
          </>
        );
      }}
    />
  );
}

interface TableProps {
  diffs: PolicyDiff[] | undefined;
  labelledBy: string;
  empty: string;
  share?: (diff: PolicyDiff, index: number) => ReactNode;
}

function DiffTable({ diffs, labelledBy, empty, share }: TableProps) {
  if (!diffs) return <p role="status">Loading…</p>;
  if (diffs.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table aria-labelledby={labelledBy}>
      <thead>
        <tr>
          <th scope="col">Diff</th>
          <th scope="col">Workloads</th>
          <th scope="col">Status</th>
          <th scope="col">Predicted Δquality</th>
          {share && <th scope="col">Current share</th>}
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {diffs.map((d, i) => (
          <tr key={d.id}>
            <th scope="row">
              <Link to={`/canaries/${encodeURIComponent(d.id)}`}>{d.summary}</Link>
              <div className="muted">
                <code>{d.id}</code>
              </div>
            </th>
            <td>{d.workloads.join(', ')}</td>
            <td>
              <span className={`status status-${d.status}`}>{d.status.replace('_', ' ')}</span>
            </td>
            <td>
              <IntervalWhisker value={d.predicted.quality} format={(n) => points(n)} samples={evidenceSamples(d)} label={`Predicted Δquality of ${d.id}`} width={140} />
            </td>
            {share && <td>{share(d, i)}</td>}
            <td>{dateTime(d.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
