import { useQuery } from '@tanstack/react-query';
import type { PolicyDiffDetail, PolicyVersion } from '@switchyard/contracts';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/api-error';
import { useApi, useSession } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { dateTime } from '../ui/format';
import { JsonDiff } from '../ui/json-diff.component';
import { DiffAuditTrail } from './diff-audit-trail.component';
import { DiffEffect } from './diff-effect.component';
import { DiffEvidence } from './diff-evidence.component';
import { evidenceSampleCount } from './diff-numbers';
import { DiffReviewForm } from './diff-review.form';
import { DiffStatus } from './diff-status.component';
import { JsonBlock } from '../ui/json-block.component';

/** One diff: what it says, what it changes, why the optimizer believes it, and its review. */
export function DiffDetailPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const { session } = useSession();
  const diff = useQuery({
    queryKey: ['policy-diff', id],
    queryFn: ({ signal }) => api.get<PolicyDiffDetail>(`/admin/policy-diffs/${encodeURIComponent(id)}`, undefined, signal),
    // A canary moves the status on its own; keep the page current while one runs.
    refetchInterval: (query) => (query.state.data?.status === 'canary' ? 5_000 : false),
  });
  const parent = useQuery({
    queryKey: ['policy-version', diff.data?.parentVersionId],
    enabled: diff.isSuccess,
    queryFn: ({ signal }) => api.get<PolicyVersion>(`/admin/policy/versions/${encodeURIComponent(diff.data?.parentVersionId ?? '')}`, undefined, signal),
    retry: false,
  });

  if (diff.isPending) return <p role="status">Loading diff…</p>;
  if (diff.isError) {
    return (
      <section>
        <h1>Policy diff</h1>
        <ErrorNotice error={diff.error} />
        <Link to="/diffs">All diffs</Link>
      </section>
    );
  }
  const d = diff.data;
  const samples = evidenceSampleCount(d.evidence);
  const parentForbidden = parent.error instanceof ApiError && parent.error.status === 403;
  return (
    <article>
      <p>
        <Link to="/diffs">← All diffs</Link>
      </p>
      <h1>{d.summary}</h1>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <DiffStatus status={d.status} />
        </dd>
        <dt>Diff</dt>
        <dd>
          <code>{d.id}</code>
        </dd>
        <dt>Workloads</dt>
        <dd>{d.workloads.join(', ')}</dd>
        <dt>Why proposed</dt>
        <dd>{d.reason}</dd>
        <dt>Proposed by</dt>
        <dd>
          {d.createdBy}, {dateTime(d.createdAt)}
        </dd>
        <dt>Parent version</dt>
        <dd>
          {session.scope === 'global' ? (
            <Link to={`/policies/versions/${d.parentVersionId}`}>
              <code>{d.parentVersionId}</code>
            </Link>
          ) : (
            <code>{d.parentVersionId}</code>
          )}
        </dd>
      </dl>

      <h2>Predicted effect</h2>
      <DiffEffect diff={d} samples={samples} />
      <p className="hint">Intervals are 95%. Quality is the judged score on the affected workloads; n counts every scored sample behind the fit.</p>

      <h2>Policy change</h2>
      {parent.isPending && <p role="status">Loading the parent version…</p>}
      {parent.isSuccess && <JsonDiff before={parent.data.document} after={d.proposedDocument} beforeLabel={`Active (parent ${d.parentVersionId})`} afterLabel="Proposed" />}
      {parentForbidden && <p className="notice">Policy documents are visible to the global admin only; the change as JSON Patch:</p>}
      {parent.isError && !parentForbidden && <ErrorNotice error={parent.error} title="Could not load the parent version" />}
      <details open={parentForbidden}>
        <summary>As RFC 6902 JSON Patch ({d.patch.length} operations)</summary>
        <JsonBlock label="The change as RFC 6902 JSON Patch" value={d.patch} />
      </details>

      <h2>Evidence</h2>
      <DiffEvidence evidence={d.evidence} />

      <h2>Review</h2>
      {session.scope === 'global' ? <DiffReviewForm diff={d} /> : <p className="notice">Only the global admin approves or rejects diffs.</p>}

      <h2>Audit trail</h2>
      <DiffAuditTrail events={d.events} />
    </article>
  );
}
