import { useQuery } from '@tanstack/react-query';
import type { QualityOverviewResponse } from '@switchyard/contracts';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { dateTime } from '../ui/format';
import { QualityHeatmap } from './quality-heatmap.component';

/** Judged quality of workload × model over the optimizer's window. */
export function QualityPanel() {
  const api = useApi();
  const quality = useQuery({
    queryKey: ['overview', 'quality'],
    queryFn: ({ signal }) => api.get<QualityOverviewResponse>('/admin/overview/quality', undefined, signal),
    refetchInterval: 60_000,
  });
  return (
    <section aria-labelledby="quality-title" className="panel">
      <h2 id="quality-title">Quality</h2>
      {quality.isPending && <p role="status">Loading quality…</p>}
      <ErrorNotice error={quality.error} />
      {quality.data && (
        <>
          <p className="muted">Scores since {dateTime(quality.data.since)}.</p>
          <QualityHeatmap cells={quality.data.data} />
        </>
      )}
    </section>
  );
}
