import { type FormEvent, useId, useState } from 'react';
import { EMPTY_FILTERS, isoToUtcInput, SPAN_ORIGINS, SPAN_STATUSES, type SpanFilters, utcInputToIso } from './span-search.filters';

interface Props {
  initial: SpanFilters;
  onSearch: (filters: SpanFilters) => void;
}

/** The filters; times are entered in UTC, as the console shows them. Remount it (key) to load other filters. */
export function SpanSearchForm({ initial, onSearch }: Props) {
  const id = useId();
  const [form, setForm] = useState<SpanFilters>({ ...initial, from: isoToUtcInput(initial.from), to: isoToUtcInput(initial.to) });
  const set = (field: keyof SpanFilters) => (event: { target: { value: string } }) => setForm((f) => ({ ...f, [field]: event.target.value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch({ ...form, from: utcInputToIso(form.from), to: utcInputToIso(form.to) });
  };
  const clear = () => {
    setForm(EMPTY_FILTERS);
    onSearch(EMPTY_FILTERS);
  };

  return (
    <form className="filters" role="search" aria-label="Search spans" onSubmit={submit}>
      <div>
        <label htmlFor={`${id}-workload`}>Workload</label>
        <input id={`${id}-workload`} value={form.workload} onChange={set('workload')} />
      </div>
      <div>
        <label htmlFor={`${id}-model`}>Model</label>
        <input id={`${id}-model`} value={form.model} onChange={set('model')} />
      </div>
      <div>
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={form.status} onChange={set('status')}>
          <option value="">any</option>
          {SPAN_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-origin`}>Origin</label>
        <select id={`${id}-origin`} value={form.origin} onChange={set('origin')}>
          <option value="">any</option>
          {SPAN_ORIGINS.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-from`}>From (UTC)</label>
        <input id={`${id}-from`} type="datetime-local" step={1} value={form.from} onChange={set('from')} />
      </div>
      <div>
        <label htmlFor={`${id}-to`}>To (UTC)</label>
        <input id={`${id}-to`} type="datetime-local" step={1} value={form.to} onChange={set('to')} />
      </div>
      <div>
        <label htmlFor={`${id}-min`}>Min score (0–1)</label>
        <input id={`${id}-min`} type="number" min={0} max={1} step={0.01} inputMode="decimal" value={form.minScore} onChange={set('minScore')} />
      </div>
      <div>
        <label htmlFor={`${id}-max`}>Max score (0–1)</label>
        <input id={`${id}-max`} type="number" min={0} max={1} step={0.01} inputMode="decimal" value={form.maxScore} onChange={set('maxScore')} />
      </div>
      <button type="submit">Search</button>
      <button type="button" className="secondary" onClick={clear}>
        Clear
      </button>
    </form>
  );
}
