import type { PolicyVersionSummary } from '@switchyard/contracts';
import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { dateTime } from '../ui/format';
import { compareHref } from './policy.queries';

interface Props {
  /** The versions to choose from, newest first. */
  versions: PolicyVersionSummary[];
  defaultFrom: string;
  defaultTo: string;
}

function optionLabel(v: PolicyVersionSummary): string {
  const reason = v.reason.length > 60 ? `${v.reason.slice(0, 59)}…` : v.reason;
  return `${v.id} — ${reason} (${dateTime(v.createdAt)})`;
}

/** Picks any two versions and opens their comparison. Remount (key) to take new defaults. */
export function PolicyCompareForm({ versions, defaultFrom, defaultTo }: Props) {
  const id = useId();
  const navigate = useNavigate();
  const [from, setFrom] = useState(defaultFrom);
  const [to, setTo] = useState(defaultTo);
  // A default the loaded pages do not reach is still offered, by id.
  const ids = new Set(versions.map((v) => v.id));
  const extra = [defaultFrom, defaultTo].filter((v, i, all) => v && !ids.has(v) && all.indexOf(v) === i);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (from && to) void navigate(compareHref(from, to));
  };

  const options = (
    <>
      <option value="">choose a version</option>
      {extra.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
      {versions.map((v) => (
        <option key={v.id} value={v.id}>
          {optionLabel(v)}
        </option>
      ))}
    </>
  );

  return (
    <form className="filters" aria-label="Compare two policy versions" onSubmit={submit}>
      <div>
        <label htmlFor={`${id}-from`}>From (before)</label>
        <select id={`${id}-from`} value={from} onChange={(e) => setFrom(e.target.value)} required>
          {options}
        </select>
      </div>
      <div>
        <label htmlFor={`${id}-to`}>To (after)</label>
        <select id={`${id}-to`} value={to} onChange={(e) => setTo(e.target.value)} required>
          {options}
        </select>
      </div>
      <button type="submit" disabled={!from || !to}>
        Compare
      </button>
    </form>
  );
}
