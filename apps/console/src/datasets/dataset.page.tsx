import { useQuery } from '@tanstack/react-query';
import type { DatasetVersionListResponse } from '@switchyard/contracts';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useApi, useSession } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { dateTime } from '../ui/format';
import './datasets.css';
import { DatasetItems } from './dataset-items.component';
import { GoldenRunStart } from './golden-run-start.component';
import { GoldenRunsList } from './golden-runs-list.component';

/** One dataset: its versions, a version's items, and a form to start a golden run on it. */
export function DatasetPage() {
  const { name = '' } = useParams();
  const [search] = useSearchParams();
  const tenantId = search.get('tenantId');
  const api = useApi();
  const { session } = useSession();
  const [picked, setPicked] = useState<number | null>(null);
  const versions = useQuery({
    queryKey: ['datasets', tenantId, name, 'versions'],
    queryFn: ({ signal }) => api.get<DatasetVersionListResponse>(`/admin/datasets/${encodeURIComponent(name)}/versions`, { tenantId: tenantId ?? undefined }, signal),
  });
  const list = versions.data?.data ?? [];
  const shown = picked ?? (list.length ? Math.max(...list.map((v) => v.version)) : null);
  return (
    <article>
      <p>
        <Link to="/datasets">← Datasets & runs</Link>
      </p>
      <h1>
        Dataset <code>{name}</code>
        {tenantId && <span className="muted"> (tenant {tenantId})</span>}
      </h1>
      <h2 id="versions-title">Versions</h2>
      {versions.isPending && <p role="status">Loading versions…</p>}
      <ErrorNotice error={versions.error} />
      {versions.data && list.length === 0 && <p className="notice">This dataset has no versions.</p>}
      {list.length > 0 && (
        <table className="versions" aria-labelledby="versions-title">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col" className="num">
                Items
              </th>
              <th scope="col">Scorer</th>
              <th scope="col">Content hash</th>
              <th scope="col">Created</th>
              <th scope="col">By</th>
              <th scope="col">
                <span className="visually-hidden">Show items</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.id} aria-current={v.version === shown ? 'true' : undefined}>
                <th scope="row">v{v.version}</th>
                <td className="num">{v.itemCount.toLocaleString('en-US')} items</td>
                <td>{v.scorer ? <code>{v.scorer.name}</code> : <span className="muted">none (runs use exact)</span>}</td>
                <td>
                  <code title={v.contentHash}>{v.contentHash.slice(0, 12)}</code>
                </td>
                <td>{dateTime(v.createdAt)}</td>
                <td>{v.createdBy}</td>
                <td>
                  <button type="button" className="secondary" disabled={v.version === shown} onClick={() => setPicked(v.version)}>
                    {v.version === shown ? `Showing v${v.version}` : `Show items of v${v.version}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown !== null && <DatasetItems key={shown} name={name} tenantId={tenantId} version={shown} />}
      {list.length > 0 &&
        (session.scope === 'global' ? (
          <GoldenRunStart dataset={name} tenantId={tenantId} versions={list} />
        ) : (
          <p className="muted">Golden runs are started with the global admin key: their calls are the gateway's own.</p>
        ))}
      <GoldenRunsList dataset={name} tenantId={tenantId} />
    </article>
  );
}
