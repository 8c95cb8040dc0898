import { useQuery } from '@tanstack/react-query';
import type { GoldenRunListResponse } from '@switchyard/contracts';
import { Link } from 'react-router';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { dateTime } from '../ui/format';
import { finishedCalls, isRunActive } from './golden-run-progress';

/** The latest golden runs (of one dataset, when given), newest first; refreshed while any of them is still going. */
export function GoldenRunsList({ dataset, tenantId = null }: { dataset?: string; tenantId?: string | null }) {
  const api = useApi();
  const runs = useQuery({
    queryKey: ['golden-runs'],
    queryFn: ({ signal }) => api.get<GoldenRunListResponse>('/admin/golden-runs', { limit: 50 }, signal),
    refetchInterval: (query) => (query.state.data?.data.some((r) => isRunActive(r.status)) ? 3_000 : false),
  });
  const shown = runs.data?.data.filter((r) => dataset === undefined || (r.dataset.name === dataset && r.dataset.tenantId === tenantId)) ?? [];
  return (
    <section aria-labelledby="runs-title">
      <h2 id="runs-title">Golden runs</h2>
      {runs.isPending && <p role="status">Loading runs…</p>}
      <ErrorNotice error={runs.error} />
      {runs.data && shown.length === 0 && <p className="muted">No golden runs yet.</p>}
      {shown.length > 0 && (
        <table aria-labelledby="runs-title">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Dataset</th>
              <th scope="col">Models</th>
              <th scope="col" className="num">
                Progress
              </th>
              <th scope="col">Started by</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  <Link to={`/runs/${encodeURIComponent(r.id)}`}>
                    <code>{r.id}</code>
                  </Link>
                </th>
                <td>
                  <span className={`status status-${r.status}`}>{r.status}</span>
                </td>
                <td>
                  {r.dataset.name} v{r.dataset.version}
                </td>
                <td>{r.models.join(', ')}</td>
                <td className="num">
                  {finishedCalls(r)} / {r.progress.total} calls, {r.progress.failed} failed
                </td>
                <td>{r.createdBy}</td>
                <td>{dateTime(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
