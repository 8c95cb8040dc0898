import type { PolicyDiffEvent } from '@switchyard/contracts';
import { dateTime } from '../ui/format';
import { JsonBlock } from '../ui/json-block.component';

/** Every event of the diff, oldest first: who did what, when, and what they said. */
export function DiffAuditTrail({ events }: { events: PolicyDiffEvent[] }) {
  if (events.length === 0) return <p className="muted">No events recorded.</p>;
  const ordered = [...events].sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id);
  return (
    <ol className="timeline" aria-label="Audit trail">
      {ordered.map((event) => (
        <li key={event.id}>
          <strong>{event.action.replace('_', ' ')}</strong> by <span className="actor">{event.actor}</span>, <time dateTime={event.at}>{dateTime(event.at)}</time>
          {event.comment && <blockquote className="comment">{event.comment}</blockquote>}
          {Object.keys(event.details).length > 0 && (
            <details>
              <summary>Details</summary>
              <JsonBlock label={`Details of ${event.action.replace('_', ' ')}`} value={event.details} />
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}
