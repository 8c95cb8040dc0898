import { useInfiniteQuery } from '@tanstack/react-query';
import { POLICY_DIFF_STATUSES, type PolicyDiffListResponse } from '@switchyard/contracts';
import { useId } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { points, usd } from '../ui/format';
import { IntervalWhisker } from '../ui/interval.component';
import { DiffStatus } from './diff-status.component';
import { evidenceSampleCount } from './diff-numbers';

/** Diffs of this environment, newest first, filtered by status and workload (kept in the URL so a filter can be shared). */
export function DiffsListPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const workload = params.get('workload') ?? '';
  const statusId = useId();
  const workloadId = useId();

  const diffs = useInfiniteQuery({
    queryKey: ['policy-diffs', status, workload],
    queryFn: ({ pageParam, signal }) => api.get<PolicyDiffListResponse>('/admin/policy-diffs', { status, workload, limit: 50, before: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.hasMore ? (last.nextBefore ?? undefined) : undefined),
  });

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const rows = diffs.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section>
      <h1>Policy diffs</h1>
      <form className="filters" role="search" aria-label="Filter diffs" onSubmit={(e) => e.preventDefault()}>
        <div>
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">any</option>
            {POLICY_DIFF_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={workloadId}>Workload</label>
          <input id={workloadId} value={workload} placeholder="any" onChange={(e) => setFilter('workload', e.target.value.trim())} />
        </div>
      </form>
      <ErrorNotice error={diffs.error} title="Could not list diffs" />
      {diffs.isPending && <p role="status">Loading diffs…</p>}
      {diffs.isSuccess && rows.length === 0 && <p className="notice">No diffs match. The optimizer proposes one when a cheaper or better route clears its quality floor.</p>}
      {rows.length > 0 && (
        <table>
          <caption className="visually-hidden">Policy diffs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Diff</th>
              <th scope="col">Status</th>
              <th scope="col">Workloads</th>
              <th scope="col">Predicted Δquality (95% interval)</th>
              <th scope="col">Predicted Δcost per request</th>
              <th scope="col">Proposed</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((diff) => {
              const n = evidenceSampleCount(diff.evidence);
              const cost = diff.predicted.costPerRequest;
              return (
                <tr key={diff.id}>
                  <td>
                    <Link to={`/diffs/${diff.id}`}>{diff.summary}</Link>
                    <div className="muted">{diff.id}</div>
                  </td>
                  <td>
                    <DiffStatus status={diff.status} />
                  </td>
                  <td>{diff.workloads.join(', ')}</td>
                  <td>
                    <IntervalWhisker value={diff.predicted.quality} format={(v) => points(v)} samples={n} label="Predicted Δquality" width={140} />
                  </td>
                  <td>
                    <IntervalWhisker value={cost} format={(v) => usd(v, true)} samples={n} label="Predicted Δcost per request" width={140} />
                    <div className="muted">{`${cost.relative <= 0 ? '' : '+'}${(cost.relative * 100).toFixed(1)}% of current cost`}</div>
                  </td>
                  <td>{new Date(diff.createdAt).toISOString().replace('T', ' ').slice(0, 16)} UTC</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {diffs.hasNextPage && (
        <button type="button" className="secondary" disabled={diffs.isFetchingNextPage} onClick={() => void diffs.fetchNextPage()}>
          {diffs.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
