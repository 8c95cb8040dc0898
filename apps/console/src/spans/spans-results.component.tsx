import type { SpanSummary } from '@switchyard/contracts';
import { Link } from 'react-router';
import { count, dateTime, ms, usd } from '../ui/format';

function tokens(s: SpanSummary): string {
  if (s.inputTokens === null && s.outputTokens === null) return '—';
  return `${s.inputTokens ?? '?'} in / ${s.outputTokens ?? '?'} out`;
}

function scores(s: SpanSummary): string {
  if (s.scores.n === 0 || s.scores.mean === null) return 'none';
  return `mean ${s.scores.mean.toFixed(3)} of ${count(s.scores.n, 'score')}`;
}

/** Search results, newest first; each span id opens its page. */
export function SpansResults({ spans }: { spans: SpanSummary[] }) {
  return (
    <table>
      <caption className="visually-hidden">Spans, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Span</th>
          <th scope="col">Started</th>
          <th scope="col">Workload</th>
          <th scope="col">Model</th>
          <th scope="col">Origin</th>
          <th scope="col">Status</th>
          <th scope="col" className="num">
            Latency (ms)
          </th>
          <th scope="col" className="num">
            Cost (USD)
          </th>
          <th scope="col" className="num">
            Tokens
          </th>
          <th scope="col" className="num">
            Scores (0–1)
          </th>
        </tr>
      </thead>
      <tbody>
        {spans.map((s) => (
          <tr key={s.spanId}>
            <th scope="row">
              <Link to={`/spans/${s.spanId}`}>
                <code>{s.spanId}</code>
              </Link>
            </th>
            <td>{dateTime(s.startedAt)}</td>
            <td>{s.workload}</td>
            <td>{s.model ?? '— (not served)'}</td>
            <td>{s.origin}</td>
            <td>
              <span className={`status status-${s.status}`}>{s.status}</span> <span className="muted">{s.httpStatus}</span>
            </td>
            <td className="num">{ms(s.latencyMs)}</td>
            <td className="num">{s.costUsd === null ? '—' : usd(s.costUsd)}</td>
            <td className="num">{tokens(s)}</td>
            <td className="num">{scores(s)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
