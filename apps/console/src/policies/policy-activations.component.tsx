import type { PolicyActivationEvent } from '@switchyard/contracts';
import { Link } from 'react-router';
import { dateTime } from '../ui/format';
import { compareHref, versionHref } from './policy.queries';

/** Who made which version active, when and why: each row links to the change it made. */
export function PolicyActivations({ events }: { events: PolicyActivationEvent[] }) {
  if (events.length === 0) return <p className="muted">No activations yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">Policy activations, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Activated</th>
          <th scope="col">Replaced</th>
          <th scope="col">By</th>
          <th scope="col">Reason</th>
          <th scope="col">Environment</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <th scope="row">{dateTime(e.at)}</th>
            <td>
              <Link to={versionHref(e.versionId)}>{e.versionId}</Link>
            </td>
            <td>
              {e.previousVersionId ? (
                <>
                  <Link to={versionHref(e.previousVersionId)}>{e.previousVersionId}</Link> (<Link to={compareHref(e.previousVersionId, e.versionId)} aria-label={`Compare ${e.previousVersionId} with ${e.versionId}`}>compare</Link>)
                </>
              ) : (
                '— (first activation)'
              )}
            </td>
            <td>{e.activatedBy}</td>
            <td>{e.reason ?? '—'}</td>
            <td>{e.environment}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
