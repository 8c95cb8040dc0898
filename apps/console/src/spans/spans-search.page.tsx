import type { SpanListResponse } from '@switchyard/contracts';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { useSession } from '../auth/session.context';
import { ErrorNotice } from '../ui/error-notice.component';
import { count } from '../ui/format';
import { SpanIdForm } from './span-id.form.component';
import { filtersFromParams, filtersToParams, type SpanFilters, spansQuery } from './span-search.filters';
import { SpanSearchForm } from './span-search.form.component';
import { SpansResults } from './spans-results.component';

const PAGE_SIZE = 50;

/** Span search: the filters live in the URL, so a search can be linked and the back button restores it. */
export function SpansSearchPage() {
  const { api, session } = useSession();
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const search = filtersToParams(filters).toString();

  const spans = useInfiniteQuery({
    queryKey: ['spans', search],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => api.get<SpanListResponse>('/admin/spans', spansQuery(filters, pageParam, PAGE_SIZE), signal),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const rows = spans.data?.pages.flatMap((p) => p.data) ?? [];

  const onSearch = (next: SpanFilters) => setParams(filtersToParams(next));

  return (
    <section>
      <h1>Spans</h1>
      <p className="muted" data-testid="spans-scope">
        {session.scope === 'global' ? 'Global admin: spans of every tenant.' : `Tenant admin: only spans of tenant ${session.tenantName ?? session.tenantId ?? ''} are searched.`}
      </p>
      <SpanIdForm />
      <h2>Search</h2>
      <SpanSearchForm key={search} initial={filters} onSearch={onSearch} />
      <ErrorNotice error={spans.error} title="Search failed" />
      {spans.isPending && <p aria-live="polite">Searching…</p>}
      {spans.data && (
        <>
          <p aria-live="polite">
            {rows.length === 0 ? 'No span matches.' : `${count(rows.length, 'span')} shown${spans.hasNextPage ? ', more available' : ''}.`}
          </p>
          {rows.length > 0 && <SpansResults spans={rows} />}
          {spans.hasNextPage && (
            <p>
              <button type="button" className="secondary" disabled={spans.isFetchingNextPage} onClick={() => void spans.fetchNextPage()}>
                {spans.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
