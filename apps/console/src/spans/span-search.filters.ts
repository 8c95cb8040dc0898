import type { ListSpansQuery } from '@switchyard/contracts';

export type SpanStatusFilter = NonNullable<ListSpansQuery['status']>;
export type SpanOriginFilter = NonNullable<ListSpansQuery['origin']>;

export const SPAN_STATUSES: readonly SpanStatusFilter[] = ['ok', 'error', 'cancelled'];
export const SPAN_ORIGINS: readonly SpanOriginFilter[] = ['live', 'judge', 'golden', 'shadow'];

/** The search as the URL holds it: every field a string, '' when unset, times as ISO instants. */
export interface SpanFilters {
  workload: string;
  model: string;
  status: string;
  origin: string;
  from: string;
  to: string;
  minScore: string;
  maxScore: string;
}

const FIELDS: readonly (keyof SpanFilters)[] = ['workload', 'model', 'status', 'origin', 'from', 'to', 'minScore', 'maxScore'];

export const EMPTY_FILTERS: SpanFilters = { workload: '', model: '', status: '', origin: '', from: '', to: '', minScore: '', maxScore: '' };

export function filtersFromParams(params: URLSearchParams): SpanFilters {
  const filters = { ...EMPTY_FILTERS };
  for (const field of FIELDS) filters[field] = params.get(field)?.trim() ?? '';
  return filters;
}

/** Only the fields that are set, so a linked search stays short and readable. */
export function filtersToParams(filters: SpanFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    const value = filters[field].trim();
    if (value) params.set(field, value);
  }
  return params;
}

/** The query for `GET /admin/spans`: unset fields left out (the API validates the rest and says what is wrong). */
export function spansQuery(filters: SpanFilters, before: string | undefined, limit: number): Record<string, string | number | undefined> {
  const query: Record<string, string | number | undefined> = { limit, before };
  for (const field of FIELDS) {
    if (filters[field]) query[field] = filters[field];
  }
  return query;
}

/**
 * `<input type="datetime-local">` has no zone; the console shows every time in UTC, so the
 * field is read and written as UTC too.
 */
export function isoToUtcInput(iso: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  const text = date.toISOString();
  return date.getUTCSeconds() === 0 && date.getUTCMilliseconds() === 0 ? text.slice(0, 16) : text.slice(0, 19);
}

/** The UTC instant a datetime-local value names; '' for an empty or unreadable one. */
export function utcInputToIso(value: string): string {
  if (!value) return '';
  const date = new Date(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}
