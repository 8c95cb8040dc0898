import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { DatasetItemListResponse } from '@switchyard/contracts';
import { useState } from 'react';
import { useApi } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';

const PAGE = 25;

/** One version's items, a page at a time. */
export function DatasetItems({ name, tenantId, version }: { name: string; tenantId: string | null; version: number }) {
  const api = useApi();
  const [offset, setOffset] = useState(0);
  const items = useQuery({
    queryKey: ['datasets', tenantId, name, version, 'items', offset],
    queryFn: ({ signal }) =>
      api.get<DatasetItemListResponse>(`/admin/datasets/${encodeURIComponent(name)}/versions/${version}/items`, { tenantId: tenantId ?? undefined, offset, limit: PAGE }, signal),
    placeholderData: keepPreviousData,
  });
  const page = items.data;
  return (
    <section aria-labelledby="items-title">
      <h2 id="items-title">Items of version {version}</h2>
      <ErrorNotice error={items.error} />
      {items.isPending && <p role="status">Loading items…</p>}
      {page && (
        <>
          <p className="muted" role="status">
            {page.total === 0 ? 'No items.' : `Items ${page.offset + 1}–${page.offset + page.data.length} of ${page.total.toLocaleString('en-US')}`}
            {items.isFetching && ' (loading…)'}
          </p>
          <table aria-labelledby="items-title">
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col">Input</th>
                <th scope="col">Expected</th>
                <th scope="col">Workload</th>
                <th scope="col">Source span</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((item) => (
                <tr key={item.id}>
                  <th scope="row" className="num">
                    {item.position + 1}
                  </th>
                  <td>
                    <Excerpt value={item.input} />
                  </td>
                  <td>{item.expected === null || item.expected === undefined ? <span className="muted">—</span> : <Excerpt value={item.expected} />}</td>
                  <td>{item.workload ?? <span className="muted">—</span>}</td>
                  <td>{item.spanId ? <code>{item.spanId}</code> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="filters" role="group" aria-label="Item pages">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous {PAGE}
            </button>
            <button type="button" className="secondary" disabled={!page.hasMore} onClick={() => setOffset(offset + PAGE)}>
              Next {PAGE}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

/** Messages or a string, shortened: the full item is in the API, a table cell is for recognising it. */
function Excerpt({ value }: { value: unknown }) {
  const text = typeof value === 'string' ? value : messagesText(value) ?? JSON.stringify(value);
  const short = text.length > 240 ? `${text.slice(0, 240)}…` : text;
  return <span title={text.length > 240 ? text.slice(0, 2_000) : undefined}>{short}</span>;
}

function messagesText(value: unknown): string | null {
  if (!Array.isArray(value)) return null;
  const parts = value.map((m: unknown) => {
    if (typeof m !== 'object' || m === null) return null;
    const { role, content } = m as { role?: unknown; content?: unknown };
    return typeof role === 'string' && typeof content === 'string' ? `${role}: ${content}` : null;
  });
  return parts.every((p) => p !== null) ? parts.join('\n') : null;
}
