import { useQuery } from '@tanstack/react-query';
import type { DatasetListResponse, DatasetSummaryResponse, DatasetVersionResponse } from '@switchyard/contracts';
import { Link } from 'react-router';
import { useApi, useSession } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { count, dateTime } from '../ui/format';
import { datasetLink, tenantQuery } from './dataset-link';
import './datasets.css';
import { DatasetUpload } from './dataset-upload.component';
import { GoldenRunsList } from './golden-runs-list.component';

/** Datasets with their latest version, an upload area, and the recent golden runs. */
export function DatasetsPage() {
  const api = useApi();
  const { session } = useSession();
  const datasets = useQuery({
    queryKey: ['datasets'],
    queryFn: ({ signal }) => api.get<DatasetListResponse>('/admin/datasets', undefined, signal),
  });
  return (
    <section>
      <h1>Datasets & runs</h1>
      <h2 id="datasets-title">Datasets</h2>
      {datasets.isPending && <p role="status">Loading datasets…</p>}
      <ErrorNotice error={datasets.error} />
      {datasets.data && datasets.data.data.length === 0 && <p className="notice">No datasets yet: upload one below.</p>}
      {datasets.data && datasets.data.data.length > 0 && (
        <table aria-labelledby="datasets-title">
          <thead>
            <tr>
              <th scope="col">Name</th>
              {session.scope === 'global' && <th scope="col">Owner</th>}
              <th scope="col" className="num">
                Latest version
              </th>
              <th scope="col" className="num">
                Items (latest)
              </th>
              <th scope="col" className="num">
                Versions
              </th>
              <th scope="col">Description</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {datasets.data.data.map((d) => (
              <DatasetRow key={d.id} dataset={d} showOwner={session.scope === 'global'} />
            ))}
          </tbody>
        </table>
      )}
      <DatasetUpload />
      <GoldenRunsList />
    </section>
  );
}

function DatasetRow({ dataset, showOwner }: { dataset: DatasetSummaryResponse; showOwner: boolean }) {
  const api = useApi();
  // The list carries no item count; the latest version does, so each row asks for it.
  const latest = useQuery({
    queryKey: ['datasets', dataset.tenantId, dataset.name, 'latest'],
    enabled: dataset.latestVersion !== null,
    queryFn: ({ signal }) => api.get<DatasetVersionResponse>(`/admin/datasets/${encodeURIComponent(dataset.name)}/versions/latest${tenantQuery(dataset.tenantId)}`, undefined, signal),
  });
  return (
    <tr>
      <th scope="row">
        <Link to={datasetLink(dataset.name, dataset.tenantId)}>{dataset.name}</Link>
      </th>
      {showOwner && <td>{dataset.tenantId ? <code>{dataset.tenantId}</code> : 'global'}</td>}
      <td className="num">{dataset.latestVersion === null ? '—' : `v${dataset.latestVersion}`}</td>
      <td className="num">{latest.data ? count(latest.data.itemCount, 'item') : latest.isError ? <ErrorNotice error={latest.error} /> : '…'}</td>
      <td className="num">{dataset.versionCount}</td>
      <td>{dataset.description ?? <span className="muted">—</span>}</td>
      <td>{dateTime(dataset.createdAt)}</td>
    </tr>
  );
}
