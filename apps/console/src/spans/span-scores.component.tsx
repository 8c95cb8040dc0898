import { Link } from 'react-router';
import { dateTime } from '../ui/format';
import type { ScoreRecord } from './span-detail.types';

const text = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Which model judged, when the scorer recorded it (the judge's own call is a span too, linked beside it). */
function judgeModel(score: ScoreRecord): string | null {
  return text(score.metadata['judgeModel']) ?? text(score.metadata['judge_model']) ?? null;
}

function Value({ score }: { score: ScoreRecord }) {
  if (score.status === 'failed' || score.score === null) return <span className="status status-rejected">failed</span>;
  return <>{score.score.toFixed(3)}</>;
}

function Judge({ score }: { score: ScoreRecord }) {
  const model = judgeModel(score);
  if (!model && !score.judgeSpanId) return <>—</>;
  return (
    <>
      {model}
      {model && score.judgeSpanId ? ', ' : ''}
      {score.judgeSpanId && (
        <>
          call <Link to={`/spans/${encodeURIComponent(score.judgeSpanId)}`}>{score.judgeSpanId}</Link>
        </>
      )}
    </>
  );
}

/** Every score the span received, from every source, with the scorer's reason (and the raw reply when it could not be scored). */
export function SpanScores({ scores }: { scores: ScoreRecord[] }) {
  if (scores.length === 0) return <p className="muted">No scores yet: the span was not sampled for judging, or its judgement is still queued.</p>;
  return (
    <table>
      <caption className="visually-hidden">Scores of this span, on a 0 to 1 scale</caption>
      <thead>
        <tr>
          <th scope="col">Source</th>
          <th scope="col">Scorer</th>
          <th scope="col" className="num">
            Value (0–1)
          </th>
          <th scope="col">Label</th>
          <th scope="col">Reason</th>
          <th scope="col">When</th>
          <th scope="col">Judge</th>
        </tr>
      </thead>
      <tbody>
        {scores.map((s) => (
          <tr key={s.id}>
            <td>{s.source}</td>
            <th scope="row">
              {s.scorer} <span className="muted">v{s.scorerVersion}</span>
            </th>
            <td className="num">
              <Value score={s} />
            </td>
            <td>{s.label ?? '—'}</td>
            <td>
              {s.reason ?? '—'}
              {s.raw && (
                <details>
                  <summary>Raw reply</summary>
                  <pre className="json">{s.raw}</pre>
                </details>
              )}
            </td>
            <td>{dateTime(s.createdAt)}</td>
            <td>
              <Judge score={s} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
