import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { PolicyDiff } from '@switchyard/contracts';
import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';

type Decision = 'approve' | 'reject';

/**
 * Approve or reject with a comment. The API makes a comment optional on approval; the console asks
 * for one either way, so the audit trail always says why.
 */
export function DiffReviewForm({ diff }: { diff: PolicyDiff }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const [decision, setDecision] = useState<Decision | null>(null);
  const commentId = useId();
  const hintId = useId();

  const review = useMutation({
    mutationFn: (d: Decision) => api.post<PolicyDiff>(`/admin/policy-diffs/${diff.id}/${d}`, { comment: comment.trim() }),
    onSuccess: async () => {
      setComment('');
      await queryClient.invalidateQueries({ queryKey: ['policy-diffs'] });
      await queryClient.invalidateQueries({ queryKey: ['policy-diff', diff.id] });
    },
  });

  if (diff.status !== 'proposed') {
    return (
      <p className="notice" role="status">
        This diff is {diff.status.replace('_', ' ')}; there is nothing left to review.
        {diff.status === 'approved' && (
          <>
            {' '}
            <Link to={`/canaries/${diff.id}`}>Schedule its canary</Link>.
          </>
        )}
        {(diff.status === 'canary' || diff.status === 'promoted' || diff.status === 'rolled_back') && (
          <>
            {' '}
            <Link to={`/canaries/${diff.id}`}>See its canary</Link>.
          </>
        )}
      </p>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const d: Decision = submitter instanceof HTMLButtonElement && submitter.value === 'reject' ? 'reject' : 'approve';
    setDecision(d);
    review.mutate(d);
  };

  return (
    <form onSubmit={submit} aria-busy={review.isPending} aria-label="Review this diff">
      <label htmlFor={commentId}>Review comment (required)</label>
      <textarea id={commentId} required aria-describedby={hintId} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={4000} />
      <p id={hintId} className="hint">
        Say why: it is kept with your name in the diff&apos;s audit trail.
      </p>
      <div className="filters">
        <button type="submit" name="decision" value="approve" disabled={review.isPending || comment.trim() === ''}>
          {review.isPending && decision === 'approve' ? 'Approving…' : 'Approve'}
        </button>
        <button type="submit" name="decision" value="reject" className="danger" disabled={review.isPending || comment.trim() === ''}>
          {review.isPending && decision === 'reject' ? 'Rejecting…' : 'Reject'}
        </button>
      </div>
      <ErrorNotice error={review.error} title={decision === 'reject' ? 'Rejection failed' : 'Approval failed'} />
    </form>
  );
}
