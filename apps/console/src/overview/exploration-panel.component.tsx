import { useQuery } from '@tanstack/react-query';
import type { ExplorationOverviewResponse } from '@switchyard/contracts';
import { useId } from 'react';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { count, usd } from '../ui/format';

/** Today's shadow-probe spend (settled and held) against the daily budget. */
export function ExplorationPanel() {
  const api = useApi();
  const meterId = useId();
  const exploration = useQuery({
    queryKey: ['overview', 'exploration'],
    queryFn: ({ signal }) => api.get<ExplorationOverviewResponse>('/admin/overview/exploration', undefined, signal),
    refetchInterval: 30_000,
  });
  const e = exploration.data;
  const used = e ? e.spentUsd + e.reservedUsd : 0;
  const text = e ? `${usd(e.spentUsd)} spent${e.reservedUsd > 0 ? ` + ${usd(e.reservedUsd)} held` : ''} of ${usd(e.budgetUsd)} (UTC day ${e.day}); ${usd(e.remainingUsd)} left` : '';
  return (
    <section aria-labelledby="exploration-title" className="panel">
      <h2 id="exploration-title">Exploration spend</h2>
      {exploration.isPending && <p role="status">Loading…</p>}
      <ErrorNotice error={exploration.error} />
      {e && (
        <>
          <p>
            <label htmlFor={meterId}>Shadow probes today</label>
            <meter id={meterId} min={0} max={Math.max(e.budgetUsd, used, 0.000001)} high={e.budgetUsd * 0.9} value={used} aria-valuetext={text} />{' '}
            <span data-testid="exploration-text">{text}</span>
          </p>
          <p className="muted">
            {count(e.openReservations, 'probe')} in flight. Shadow spans written today: {count(e.shadowSpans.requests, 'call')}, {usd(e.shadowSpans.costUsd)}.
          </p>
        </>
      )}
    </section>
  );
}
