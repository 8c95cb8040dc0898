import { Link, useParams } from 'react-router';
import { ErrorNotice } from '../ui/error-notice.component';
import { PolicyDocument } from './policy-document.component';
import { PolicyVersionFacts } from './policy-version-facts.component';
import { compareHref, useActivePolicy, usePolicyVersion } from './policy.queries';

/** One stored version: who wrote it and why, its document, and the change it made to its parent. */
export function PolicyVersionPage() {
  const { id = '' } = useParams();
  const version = usePolicyVersion(id);
  // Only to say whether this is the active version; its failure does not hide the version.
  const active = useActivePolicy();
  const activeId = active.data?.id ?? null;

  return (
    <section>
      <p>
        <Link to="/policies">← Policies</Link>
      </p>
      <h1>
        Policy version <code>{id}</code>
      </h1>
      {version.isPending && <p aria-live="polite">Loading the version…</p>}
      <ErrorNotice error={version.error} title="Could not load the version" />
      {version.data && (
        <>
          <PolicyVersionFacts
            version={version.data}
            extra={
              <>
                <dt>Active</dt>
                <dd>{activeId === null ? 'unknown' : activeId === version.data.id ? 'yes, this is the active version' : 'no'}</dd>
              </>
            }
          />
          {(version.data.parentId || (activeId && activeId !== version.data.id)) && (
          <ul>
            {version.data.parentId && (
              <li>
                <Link to={compareHref(version.data.parentId, version.data.id)}>Compare with its parent {version.data.parentId}</Link>
              </li>
            )}
            {activeId && activeId !== version.data.id && (
              <li>
                <Link to={compareHref(version.data.id, activeId)}>Compare with the active version {activeId}</Link>
              </li>
            )}
          </ul>
          )}
          <h2>Document</h2>
          <PolicyDocument document={version.data.document} label={`Policy document of ${version.data.id}`} />
        </>
      )}
    </section>
  );
}
