import { useQuery } from '@tanstack/react-query';
import type { UsageBucket, UsageOverviewResponse } from '@switchyard/contracts';
import { lazy, Suspense, useId, useMemo, useState } from 'react';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { percent, usd } from '../ui/format';
import { BUCKET_MS, shapeUsage, type UsageGrouping } from './usage-series';

const UsageCharts = lazy(() => import('./usage-charts.component'));

/** The windows offered, each with a bucket that keeps the charts to a readable number of points. */
const RANGES = {
  '24h': { label: 'Last 24 h', ms: 24 * 3_600_000, bucket: '1h' },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3_600_000, bucket: '1h' },
} as const satisfies Record<string, { label: string; ms: number; bucket: UsageBucket }>;
type RangeName = keyof typeof RANGES;

const BUCKET_TEXT: Readonly<Record<UsageBucket, string>> = { '5m': '5 min', '1h': 'hour', '1d': 'day' };

/** Client traffic (requests, errors, cost) over time per workload or model, and what the gateway's own calls cost. */
export function UsagePanel() {
  const api = useApi();
  const ids = { range: useId(), group: useId() };
  const [range, setRange] = useState<RangeName>('24h');
  const [by, setBy] = useState<UsageGrouping>('workload');
  const usage = useQuery({
    queryKey: ['overview', 'usage', range],
    queryFn: ({ signal }) => {
      const { ms, bucket } = RANGES[range];
      // The window ends at the next bucket boundary, so buckets fall on whole hours.
      const to = Math.ceil(Date.now() / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
      return api.get<UsageOverviewResponse>('/admin/overview/usage', { from: new Date(to - ms).toISOString(), to: new Date(to).toISOString(), bucket }, signal);
    },
    refetchInterval: 60_000,
  });
  const series = useMemo(() => (usage.data ? shapeUsage(usage.data, by) : null), [usage.data, by]);
  const bucketLabel = BUCKET_TEXT[RANGES[range].bucket];
  return (
    <section aria-labelledby="usage-title" className="panel">
      <h2 id="usage-title">Cost and requests</h2>
      <div className="filters">
        <div>
          <label htmlFor={ids.range}>Range</label>
          <select id={ids.range} value={range} onChange={(event) => setRange(event.target.value as RangeName)}>
            {(Object.keys(RANGES) as RangeName[]).map((r) => (
              <option key={r} value={r}>
                {RANGES[r].label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.group}>Group by</label>
          <select id={ids.group} value={by} onChange={(event) => setBy(event.target.value as UsageGrouping)}>
            <option value="workload">workload</option>
            <option value="model">model</option>
          </select>
        </div>
      </div>
      {usage.isPending && <p role="status">Loading usage…</p>}
      <ErrorNotice error={usage.error} />
      {usage.data && series && (
        <>
          {series.groups.length === 0 ? (
            <p className="notice">No client calls in this window.</p>
          ) : (
            <table aria-labelledby="usage-title">
              <thead>
                <tr>
                  <th scope="col">{by === 'workload' ? 'Workload' : 'Model'}</th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" className="num">
                    Errors
                  </th>
                  <th scope="col" className="num">
                    Cost (USD)
                  </th>
                </tr>
              </thead>
              <tbody>
                {series.groups.map((g) => (
                  <tr key={g.label}>
                    <th scope="row">{g.label}</th>
                    <td className="num">{g.totalRequests.toLocaleString('en-US')}</td>
                    <td className="num">
                      {g.totalErrors.toLocaleString('en-US')} ({percent(g.totalRequests ? g.totalErrors / g.totalRequests : 0)})
                    </td>
                    <td className="num">
                      {usd(g.totalCostUsd)}
                      {g.costIncomplete && <span className="muted"> + unpriced calls</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="muted">
            The gateway's own calls in this window: {usd(usage.data.internal.costUsd)}
            {usage.data.internal.byOrigin.length > 0 &&
              ` (${usage.data.internal.byOrigin.map((o) => `${o.origin} ${usd(o.costUsd)} for ${o.requests.toLocaleString('en-US')} calls`).join(', ')})`}
            .
          </p>
          {series.groups.length > 0 && (
            <Suspense fallback={<p role="status">Drawing charts…</p>}>
              <UsageCharts series={series} bucketLabel={bucketLabel} />
            </Suspense>
          )}
        </>
      )}
    </section>
  );
}
