import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ScoreRecord, SpanDetailResponse } from '@switchyard/contracts';
import { useApi } from '../auth/session.context';
import { dateTime } from '../ui/format';
import { JsonBlock } from '../ui/json-block.component';

const text = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * Which model judged: the score row does not say, but the judge's own call is a span that does.
 * Read through the same query as that span's page, so opening it afterwards costs nothing.
 */
function useJudgeModel(score: ScoreRecord): string | null {
  const api = useApi();
  const recorded = text(score.metadata['judgeModel']);
  const judgeSpanId = score.judgeSpanId;
  const judgeSpan = useQuery({
    queryKey: ['span', judgeSpanId ?? ''],
    queryFn: ({ signal }) => api.get<SpanDetailResponse>(`/admin/spans/${encodeURIComponent(judgeSpanId ?? '')}`, undefined, signal),
    enabled: !recorded && judgeSpanId !== null,
    // A tenant admin cannot read the gateway's own judge calls; the link then says the rest.
    retry: false,
  });
  return recorded ?? judgeSpan.data?.span.model ?? null;
}

function Value({ score }: { score: ScoreRecord }) {
  if (score.status === 'failed' || score.score === null) return <span className="status status-rejected">failed</span>;
  return <>{score.score.toFixed(3)}</>;
}

function Judge({ score }: { score: ScoreRecord }) {
  const model = useJudgeModel(score);
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
                  <JsonBlock label="Raw judge reply" text={s.raw} />
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
