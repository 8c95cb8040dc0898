import { Link } from 'react-router';
import { useSession } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { count, dateTime } from '../ui/format';
import { PolicyActivations } from './policy-activations.component';
import { PolicyCompareForm } from './policy-compare.form.component';
import { PolicyDocument } from './policy-document.component';
import { PolicyVersionFacts } from './policy-version-facts.component';
import { PolicyVersionsTable } from './policy-versions.component';
import { compareHref, useActivePolicy, usePolicyActivations, usePolicyVersions } from './policy.queries';

/** The active policy, its history and activations, and a way to compare any two versions. */
export function PoliciesPage() {
  const { session } = useSession();
  const active = useActivePolicy();
  const versions = usePolicyVersions();
  const activations = usePolicyActivations();
  const rows = versions.data?.pages.flatMap((p) => p.data) ?? [];

  const defaultTo = active.data?.id ?? rows[0]?.id ?? '';
  const defaultFrom = active.data ? (active.data.parentId ?? '') : (rows[1]?.id ?? '');

  return (
    <section>
      <h1>Policies</h1>
      {session.scope === 'tenant' && <p className="notice">The routing policy is shared by every tenant; the API shows its history to the global admin only.</p>}

      <h2>Active version</h2>
      {active.isPending && <p aria-live="polite">Loading the active version…</p>}
      <ErrorNotice error={active.error} title="Could not load the active version" />
      {active.data && (
        <>
          <PolicyVersionFacts
            version={active.data}
            extra={
              <>
                <dt>Environment</dt>
                <dd>{active.data.environment}</dd>
                <dt>Activated</dt>
                <dd>
                  {dateTime(active.data.activatedAt)} by {active.data.activatedBy}
                </dd>
              </>
            }
          />
          {active.data.parentId && (
            <p>
              <Link to={compareHref(active.data.parentId, active.data.id)}>Compare the active version with its parent</Link>
            </p>
          )}
          <h3>Document</h3>
          <PolicyDocument document={active.data.document} label={`Policy document of ${active.data.id}`} />
        </>
      )}

      <h2>Compare two versions</h2>
      {(active.isPending || versions.isPending) && !active.error && !versions.error ? (
        <p aria-live="polite">Loading versions…</p>
      ) : (
        <PolicyCompareForm key={`${defaultFrom}|${defaultTo}`} versions={rows} defaultFrom={defaultFrom} defaultTo={defaultTo} />
      )}

      <h2>Version history</h2>
      <ErrorNotice error={versions.error} title="Could not load the versions" />
      {versions.data && (
        <>
          {rows.length === 0 ? <p className="muted">No versions stored.</p> : <PolicyVersionsTable versions={rows} activeId={active.data?.id ?? null} />}
          <p aria-live="polite" className="muted">
            {count(rows.length, 'version')} shown{versions.hasNextPage ? ', older ones available' : ''}.
          </p>
          {versions.hasNextPage && (
            <p>
              <button type="button" className="secondary" disabled={versions.isFetchingNextPage} onClick={() => void versions.fetchNextPage()}>
                {versions.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            </p>
          )}
        </>
      )}

      <h2>Activations</h2>
      {activations.isPending && <p aria-live="polite">Loading activations…</p>}
      <ErrorNotice error={activations.error} title="Could not load the activations" />
      {activations.data && <PolicyActivations events={activations.data.data} />}
    </section>
  );
}
