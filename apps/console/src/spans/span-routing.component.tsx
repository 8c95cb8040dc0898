import type { SpanRecord } from '@switchyard/contracts';
import { ms, usd } from '../ui/format';
import { attemptOutcome, candidateRows, routingDetails } from './span-routing';

/** The routing decision: strategy, the matching rule, the ranked candidates, exclusions and every attempt (fallbacks included). */
export function SpanRouting({ span }: { span: SpanRecord }) {
  const routing = routingDetails(span.metadata);
  const rows = candidateRows(span, routing);
  return (
    <>
      <dl className="facts">
        <dt>Strategy</dt>
        <dd>
          <code>{span.strategy}</code>
        </dd>
        <dt>Rule that matched</dt>
        <dd>{span.rule ? <code>{span.rule}</code> : 'none'}</dd>
        {routing?.workloadSource && (
          <>
            <dt>Workload found by</dt>
            <dd>{routing.workloadSource}</dd>
          </>
        )}
        <dt>Requested model</dt>
        <dd>{span.requestedModel}</dd>
        <dt>Served by</dt>
        <dd>
          {span.model ? `${span.model}${span.provider ? ` via ${span.provider}` : ''}` : 'nothing was served'}
          {span.responseModel && span.responseModel !== span.model ? ` (upstream reported ${span.responseModel})` : ''}
        </dd>
        {span.fallbackReason && (
          <>
            <dt>Fallback reason</dt>
            <dd>{span.fallbackReason}</dd>
          </>
        )}
        {routing?.canary && (
          <>
            <dt>Canary</dt>
            <dd>
              {routing.canary.name}, {routing.canary.arm} side
            </dd>
          </>
        )}
        {routing?.targetEmpty && (
          <>
            <dt>Target</dt>
            <dd>yielded no candidate; the fallback chain served</dd>
          </>
        )}
      </dl>

      <h3>Candidates, in order</h3>
      {rows.length === 0 ? (
        <p className="muted">No candidates were recorded.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Candidates in the order routing ranked them</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Ranking metric
              </th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.position}-${row.model}`}>
                <td className="num">{row.position}</td>
                <th scope="row">{row.model}</th>
                <td className="num">{row.rankScore === null ? '—' : String(Number(row.rankScore.toPrecision(4)))}</td>
                <td>{row.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {routing && routing.ranked.length > 0 && <p className="hint">The ranking metric is what the strategy ranked by (cost, quality, p95 latency, in-flight or weight).</p>}

      {routing && routing.excluded.length > 0 && (
        <>
          <h3>Excluded</h3>
          <ul>
            {routing.excluded.map((e) => (
              <li key={`${e.model}-${e.reason}`}>
                {e.model}: {e.reason.replace(/_/g, ' ')}
              </li>
            ))}
          </ul>
        </>
      )}

      <h3>Attempts and fallbacks</h3>
      {span.attempts.length === 0 ? (
        <p className="muted">No upstream call was made{span.metadata?.['cache'] ? ' (answered from the cache)' : ''}.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Every upstream call, in the order it was made; the last one answered or failed</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                #
              </th>
              <th scope="col">Model</th>
              <th scope="col">Provider</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="num">
                HTTP status
              </th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>
            {span.attempts.map((a, i) => (
              <tr key={i}>
                <td className="num">{i + 1}</td>
                <th scope="row">{a.model}</th>
                <td>
                  {a.provider}
                  {a.keyIndex !== undefined ? ` (key #${a.keyIndex})` : ''}
                </td>
                <td>{attemptOutcome(a)}</td>
                <td className="num">{a.status ?? '—'}</td>
                <td className="num">{a.skipped ? '—' : ms(a.latencyMs)}</td>
                <td>
                  {[a.retry ? `retry ${a.retry}` : null, a.race ? 'race leg' : null, a.costUsd !== undefined ? `cost ${usd(a.costUsd)} USD` : null, a.message ?? null]
                    .filter(Boolean)
                    .join('; ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
