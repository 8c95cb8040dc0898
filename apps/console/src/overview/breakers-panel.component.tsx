import { useQuery } from '@tanstack/react-query';
import type { BreakerStateName, DeploymentEntry, DeploymentListResponse } from '@switchyard/contracts';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { ms, percent } from '../ui/format';

const STATE_TEXT: Readonly<Record<BreakerStateName, string>> = { closed: 'closed', open: 'open', half_open: 'half-open' };
const STATE_CLASS: Readonly<Record<BreakerStateName, string>> = { closed: 'status-promoted', open: 'status-rejected', half_open: 'status-canary' };

/** Circuit breakers and live load per deployment, as this gateway instance sees them. */
export function BreakersPanel() {
  const api = useApi();
  const deployments = useQuery({
    queryKey: ['deployments'],
    queryFn: ({ signal }) => api.get<DeploymentListResponse>('/admin/deployments', undefined, signal),
    refetchInterval: 5_000,
  });
  return (
    <section aria-labelledby="breakers-title" className="panel">
      <h2 id="breakers-title">Breakers</h2>
      {deployments.isPending && <p role="status">Loading…</p>}
      <ErrorNotice error={deployments.error} />
      {deployments.data && (
        <table aria-labelledby="breakers-title">
          <thead>
            <tr>
              <th scope="col">Deployment</th>
              <th scope="col">State</th>
              <th scope="col" className="num">
                Error rate
              </th>
              <th scope="col" className="num">
                p95 latency
              </th>
              <th scope="col" className="num">
                In flight
              </th>
            </tr>
          </thead>
          <tbody>
            {deployments.data.data.map((d) => (
              <BreakerRow key={d.model} deployment={d} />
            ))}
          </tbody>
        </table>
      )}
      <p className="muted">State of this gateway instance; refreshed every 5 s. Rates and latency over the rolling window.</p>
    </section>
  );
}

function BreakerRow({ deployment: d }: { deployment: DeploymentEntry }) {
  const state = d.breaker?.state ?? d.snapshot?.breaker;
  const coolingDown = d.snapshot?.cooldownUntil !== undefined && d.snapshot.cooldownUntil > Date.now();
  return (
    <tr>
      <th scope="row">
        {d.model} <span className="muted">@ {d.provider}</span>
      </th>
      <td>
        {state ? <span className={`status ${STATE_CLASS[state]}`}>{STATE_TEXT[state]}</span> : <span className="muted">no calls yet</span>}
        {coolingDown && <span className="status status-canary"> cooling down (429)</span>}
      </td>
      <td className="num">{d.snapshot ? `${percent(d.snapshot.errorRate)} of ${d.snapshot.samples.toLocaleString('en-US')}` : '—'}</td>
      <td className="num">{d.snapshot?.p95Ms === undefined ? '—' : ms(d.snapshot.p95Ms)}</td>
      <td className="num">{d.snapshot ? d.snapshot.inFlight.toLocaleString('en-US') : '—'}</td>
    </tr>
  );
}
