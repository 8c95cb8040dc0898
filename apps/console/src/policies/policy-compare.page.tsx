import { Link, useSearchParams } from 'react-router';
import { ErrorNotice } from '../ui/error-notice.component';
import { JsonDiff } from '../ui/json-diff.component';
import { count } from '../ui/format';
import { JsonPatchList } from './json-patch.component';
import { compareHref, usePolicyDiff, usePolicyVersion, versionHref } from './policy.queries';

/**
 * Two policy versions side by side, and the RFC 6902 patch that turns one into the other. Without
 * `to` the API compares the active version; without `from`, `to`'s parent.
 */
export function PolicyComparePage() {
  const [params] = useSearchParams();
  const diff = usePolicyDiff(params.get('from') || null, params.get('to') || null);
  const from = usePolicyVersion(diff.data?.from);
  const to = usePolicyVersion(diff.data?.to);

  return (
    <section>
      <p>
        <Link to="/policies">← Policies</Link>
      </p>
      <h1>Compare policy versions</h1>
      {diff.isPending && <p aria-live="polite">Loading the change…</p>}
      <ErrorNotice error={diff.error} title="Could not compare" />
      {diff.data && (
        <>
          <p>
            From <Link to={versionHref(diff.data.from)}>{diff.data.from}</Link> to <Link to={versionHref(diff.data.to)}>{diff.data.to}</Link>:{' '}
            {count(diff.data.patch.length, 'operation')}. <Link to={compareHref(diff.data.to, diff.data.from)}>Swap</Link>
          </p>

          <h2>Documents side by side</h2>
          <ErrorNotice error={from.error} title={`Could not load ${diff.data.from}`} />
          <ErrorNotice error={to.error} title={`Could not load ${diff.data.to}`} />
          {(from.isPending || to.isPending) && !from.error && !to.error && <p aria-live="polite">Loading both documents…</p>}
          {from.data && to.data && <JsonDiff before={from.data.document} after={to.data.document} beforeLabel={`From ${diff.data.from}`} afterLabel={`To ${diff.data.to}`} />}

          <h2>JSON Patch (RFC 6902)</h2>
          <JsonPatchList patch={diff.data.patch} />
        </>
      )}
    </section>
  );
}
