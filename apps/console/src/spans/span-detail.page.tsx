import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { SpanDetailResponse } from '@switchyard/contracts';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { SpanBodies } from './span-bodies.component';
import { SpanFacts } from './span-facts.component';
import { SpanRouting } from './span-routing.component';
import { SpanScores } from './span-scores.component';

/** One span: what was asked and answered, how it was routed, and every score it received. */
export function SpanDetailPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const detail = useQuery({
    queryKey: ['span', id],
    queryFn: ({ signal }) => api.get<SpanDetailResponse>(`/admin/spans/${encodeURIComponent(id)}`, undefined, signal),
  });

  return (
    <section>
      <p>
        <Link to="/spans">← Span search</Link>
      </p>
      <h1>
        Span <code>{id}</code>
      </h1>
      {detail.isPending && <p aria-live="polite">Loading the span…</p>}
      <ErrorNotice error={detail.error} title="Could not load the span" />
      {detail.data && (
        <>
          <SpanFacts span={detail.data.span} />
          <h2>Routing decision</h2>
          <SpanRouting span={detail.data.span} />
          <h2>Scores</h2>
          <SpanScores scores={detail.data.scores} />
          <h2>Request and response</h2>
          <SpanBodies span={detail.data.span} />
        </>
      )}
    </section>
  );
}
