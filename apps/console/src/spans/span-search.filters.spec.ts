import { describe, expect, it } from 'vitest';
import { filtersFromParams, filtersToParams, isoToUtcInput, spansQuery, utcInputToIso } from './span-search.filters';

describe('span search filters', () => {
  it('round-trips through the query string, leaving unset fields out', () => {
    const filters = filtersFromParams(new URLSearchParams('workload=support&maxScore=0.5&unknown=x'));
    expect(filters.workload).toBe('support');
    expect(filters.model).toBe('');
    expect(filtersToParams(filters).toString()).toBe('workload=support&maxScore=0.5');
  });

  it('reads datetime-local values as UTC and writes ISO instants', () => {
    expect(utcInputToIso('2026-11-22T08:30')).toBe('2026-11-22T08:30:00.000Z');
    expect(utcInputToIso('2026-11-22T08:30:15')).toBe('2026-11-22T08:30:15.000Z');
    expect(utcInputToIso('')).toBe('');
    expect(utcInputToIso('not a time')).toBe('');
    expect(isoToUtcInput('2026-11-22T08:30:00.000Z')).toBe('2026-11-22T08:30');
    expect(isoToUtcInput('2026-11-22T10:30:15+02:00')).toBe('2026-11-22T08:30:15');
    expect(isoToUtcInput('garbage')).toBe('');
  });

  it('asks the API for set filters only, with the cursor and page size', () => {
    const filters = filtersFromParams(new URLSearchParams('model=gpt-4&origin=live'));
    expect(spansQuery(filters, 'c', 50)).toEqual({ limit: 50, before: 'c', model: 'gpt-4', origin: 'live' });
  });
});
