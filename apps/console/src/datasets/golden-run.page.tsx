import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { GoldenRunDetail } from '@switchyard/contracts';
import { useId } from 'react';
import { Link, useParams } from 'react-router';
import { useApi, useSession } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { dateTime } from '../ui/format';
import './datasets.css';
import { datasetLink } from './dataset-link';
import { finishedCalls, isRunActive, progressText } from './golden-run-progress';
import { GoldenRunSummary } from './golden-run-summary.component';

/** How often a queued or running run is asked for its progress. */
export const RUN_POLL_MS = 1_500;

/** One golden run: its progress while it goes (cancellable), its per-model results once it is done. */
export function GoldenRunPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const progressId = useId();
  const key = ['golden-run', id];
  const run = useQuery({
    queryKey: key,
    queryFn: ({ signal }) => api.get<GoldenRunDetail>(`/admin/golden-runs/${encodeURIComponent(id)}`, undefined, signal),
    refetchInterval: (query) => (query.state.data && isRunActive(query.state.data.status) ? RUN_POLL_MS : false),
  });
  const cancel = useMutation({
    mutationFn: () => api.post<GoldenRunDetail>(`/admin/golden-runs/${encodeURIComponent(id)}/cancel`),
    onSuccess: (detail) => {
      queryClient.setQueryData(key, detail);
      return queryClient.invalidateQueries({ queryKey: ['golden-runs'] });
    },
  });

  if (run.isPending) return <p role="status">Loading golden run…</p>;
  if (run.isError) {
    return (
      <section>
        <h1>Golden run</h1>
        <ErrorNotice error={run.error} />
        <Link to="/datasets">All datasets and runs</Link>
      </section>
    );
  }
  const r = run.data;
  const active = isRunActive(r.status);
  const text = progressText(r);
  return (
    <article>
      <p>
        <Link to="/datasets">← Datasets & runs</Link>
      </p>
      <h1>
        Golden run <code>{r.id}</code>
      </h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status status-${r.status}`} data-testid="run-status">
            {r.status}
          </span>
          {r.error && <ErrorNotice error={r.error} title="Run failed" />}
        </dd>
        <dt>Dataset</dt>
        <dd>
          <Link to={datasetLink(r.dataset.name, r.dataset.tenantId)}>{r.dataset.name}</Link> version {r.dataset.version}
        </dd>
        <dt>Models</dt>
        <dd>{r.models.join(', ')}</dd>
        <dt>Scorer</dt>
        <dd>
          <code>{r.scorer.name}</code>
          {Object.keys(r.scorer.options).length > 0 && <code> {JSON.stringify(r.scorer.options)}</code>}
          {Object.entries(r.workloadScorers).map(([workload, s]) => (
            <span key={workload}>
              ; {workload}: <code>{s.name}</code>
            </span>
          ))}
        </dd>
        <dt>Started by</dt>
        <dd>
          {r.createdBy}, {dateTime(r.createdAt)}
        </dd>
        {r.finishedAt && (
          <>
            <dt>Finished</dt>
            <dd>{dateTime(r.finishedAt)}</dd>
          </>
        )}
        {r.cancelledAt && (
          <>
            <dt>Cancelled</dt>
            <dd>{dateTime(r.cancelledAt)}</dd>
          </>
        )}
      </dl>
      <h2>Progress</h2>
      <p>
        <label htmlFor={progressId}>Calls finished</label>
        <progress id={progressId} max={Math.max(r.progress.total, 1)} value={finishedCalls(r)} aria-valuetext={text} />{' '}
        <span data-testid="run-progress-text" role="status">
          {text}
        </span>
      </p>
      {active && <p className="muted">Refreshing every {RUN_POLL_MS / 1000} s while the run goes.</p>}
      {active && session.scope === 'global' && (
        <p>
          <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
          </button>
        </p>
      )}
      <ErrorNotice error={cancel.error} title="Cancel refused" />
      {active ? <PartialSummary detail={r} /> : <GoldenRunSummary summary={r.summary} scorer={r.scorer.name} />}
    </article>
  );
}

/** While a run goes, only the counts: a mean over a growing, unordered subset is not the result yet. */
function PartialSummary({ detail }: { detail: GoldenRunDetail }) {
  return (
    <ul aria-label="Counts so far per model">
      {detail.summary.map((s) => (
        <li key={s.model}>
          {s.model}: {s.n.toLocaleString('en-US')} scored, {s.failed.toLocaleString('en-US')} failed, {s.calls.toLocaleString('en-US')} calls
        </li>
      ))}
    </ul>
  );
}
