import { dateTime } from '../ui/format';
import { type CanaryStep, decisionReason, stepOf } from './canary-steps.parse';
import { share as shareText } from './canary.format';

const ACTION_LABEL: Record<string, string> = {
  canary_started: 'Canary started',
  canary_step: 'Advanced to the next step',
  promoted: 'Promoted',
  rolled_back: 'Rolled back',
  commented: 'Note',
};

/** The rollout's audit log, oldest first: every step with who moved it, when, and why. */
export function CanaryTimeline({ steps, totalSteps }: { steps: readonly CanaryStep[]; totalSteps: number | null }) {
  if (steps.length === 0) return <p className="muted">Nothing has happened in this rollout yet.</p>;
  const ordered = [...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <ol className="timeline" aria-label="Canary steps">
      {ordered.map((s, i) => {
        const { step, share } = stepOf(s);
        const reason = decisionReason(s);
        const aborted = s.details.aborted === true;
        const label = aborted ? 'Aborted and rolled back' : s.details.schedule !== undefined ? 'Canary scheduled' : (ACTION_LABEL[s.action] ?? s.action);
        return (
          <li key={`${s.at}-${i}`} data-action={s.action}>
            <strong>{label}</strong>
            {share !== null && (
              <>
                {' '}
                — {shareText(share)} of callers
                {step !== null && ` (step ${step + 1}${totalSteps ? ` of ${totalSteps}` : ''})`}
              </>
            )}
            <div className="muted">
              <time dateTime={s.at}>{dateTime(s.at)}</time> by {s.actor}
            </div>
            {reason && <div>Decision: {reason}</div>}
            {s.comment && !(reason && s.comment.includes(reason)) && <div>Comment: {s.comment}</div>}
          </li>
        );
      })}
    </ol>
  );
}
