import type { PolicyVersionSummary } from '@switchyard/contracts';
import { Link } from 'react-router';
import { dateTime } from '../ui/format';
import { compareHref, versionHref } from './policy.queries';

/** The version history, newest first; the active one is marked. */
export function PolicyVersionsTable({ versions, activeId }: { versions: PolicyVersionSummary[]; activeId: string | null }) {
  return (
    <table>
      <caption className="visually-hidden">Policy versions, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Created</th>
          <th scope="col">Author</th>
          <th scope="col">Reason</th>
          <th scope="col">Parent</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.id}>
            <th scope="row">
              <Link to={versionHref(v.id)}>{v.id}</Link>
              {v.id === activeId && (
                <>
                  {' '}
                  <span className="status status-promoted">active</span>
                </>
              )}
            </th>
            <td>{dateTime(v.createdAt)}</td>
            <td>{v.createdBy}</td>
            <td>{v.reason}</td>
            <td>
              {v.parentId ? (
                <>
                  <Link to={versionHref(v.parentId)}>{v.parentId}</Link> (<Link to={compareHref(v.parentId, v.id)} aria-label={`Compare ${v.id} with its parent ${v.parentId}`}>compare</Link>)
                </>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
