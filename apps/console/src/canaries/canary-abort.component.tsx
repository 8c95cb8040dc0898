import type { AbortCanaryRequest, CanaryStatus } from '@switchyard/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { canaryKeys } from './canary.queries';
import { abortCanaryRequestSchema } from '@switchyard/contracts';

type Stage = 'closed' | 'comment' | 'confirm';

/**
 * Stops a running rollout and restores the parent policy. Two deliberate steps: say why (the
 * comment goes into the audit log), then confirm; only then is anything sent.
 */
export function CanaryAbort({ diffId, parentVersionId, running }: { diffId: string; parentVersionId: string; running: boolean }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const id = useId();
  const [stage, setStage] = useState<Stage>('closed');
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (body: AbortCanaryRequest) => api.post<CanaryStatus>(`/admin/policy-diffs/${encodeURIComponent(diffId)}/canary/abort`, body),
    onSuccess: (status) => {
      queryClient.setQueryData(canaryKeys.canary(diffId), status);
      return queryClient.invalidateQueries({ queryKey: canaryKeys.all });
    },
  });

  const review = (event: FormEvent) => {
    event.preventDefault();
    const parsed = abortCanaryRequestSchema.safeParse({ comment });
    if (!parsed.success) {
      setProblem(parsed.error.issues.map((i) => i.message).join('; '));
      return;
    }
    setProblem(null);
    setStage('confirm');
  };

  // The result stays on screen after the status it changed has stopped the rollout.
  if (mutation.data) {
    return (
      <p role="status" className="notice">
        Rolled back: the rollout is now <strong>{mutation.data.status.replace('_', ' ')}</strong> and the active policy is {mutation.data.activeVersionId ?? 'none'}.
      </p>
    );
  }
  if (!running) return null;

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Abort</h2>
      {stage === 'closed' && (
        <button type="button" className="danger" onClick={() => setStage('comment')}>
          Abort and roll back
        </button>
      )}
      {stage === 'comment' && (
        <form onSubmit={review} noValidate>
          <label htmlFor={`${id}-comment`}>Why stop this rollout? (required, goes into the audit log)</label>
          <textarea
            id={`${id}-comment`}
            required
            maxLength={2_000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-problem` : undefined}
            autoFocus
          />
          {problem && (
            <p id={`${id}-problem`} role="alert" className="error-notice">
              {problem}
            </p>
          )}
          <p>
            <button type="submit" className="danger">
              Continue
            </button>{' '}
            <button type="button" className="secondary" onClick={() => setStage('closed')}>
              Cancel
            </button>
          </p>
        </form>
      )}
      {stage === 'confirm' && (
        <div role="group" aria-labelledby={`${id}-confirm`}>
          <p id={`${id}-confirm`}>
            Stop the rollout and re-activate the parent policy <strong>{parentVersionId}</strong>? Every caller goes back to it at once. Your comment: “{comment.trim()}”
          </p>
          <p>
            <button type="button" className="danger" disabled={mutation.isPending} onClick={() => mutation.mutate({ comment: comment.trim() })}>
              {mutation.isPending ? 'Rolling back…' : 'Yes, abort and roll back'}
            </button>{' '}
            <button type="button" className="secondary" disabled={mutation.isPending} onClick={() => setStage('comment')}>
              Back
            </button>
          </p>
        </div>
      )}
      <ErrorNotice error={mutation.error} title="The rollout was not aborted" />
    </section>
  );
}
