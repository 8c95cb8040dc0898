import type { UsageBucket, UsageOverviewResponse, UsageRow } from '@switchyard/contracts';

export type UsageGrouping = 'workload' | 'model';

/** Bucket widths, as the API's `bucket` names them (kept here so the first screen need not bundle the zod contracts). */
export const BUCKET_MS: Readonly<Record<UsageBucket, number>> = { '5m': 5 * 60_000, '1h': 3_600_000, '1d': 24 * 3_600_000 };

/** Groups drawn on their own; the rest are summed into one "other" line so a chart stays readable. */
export const MAX_GROUPS = 8;
export const OTHER = 'other';
/** The label of calls nothing served (model null). */
export const UNSERVED = '(not served)';

export interface UsageGroup {
  label: string;
  /** One per bucket, aligned with `x`; 0 where the group had no calls. */
  requests: number[];
  errors: number[];
  /** Null where the group had calls but none of known cost. */
  costUsd: (number | null)[];
  totalRequests: number;
  totalErrors: number;
  totalCostUsd: number;
  /** Whether some calls had no known cost, so the total is a lower bound. */
  costIncomplete: boolean;
}

export interface UsageSeries {
  /** Bucket starts, unix seconds, every bucket of the window (the API leaves out empty ones). */
  x: number[];
  groups: UsageGroup[];
}

/**
 * Rows of (bucket × workload × model) into one aligned series per workload or per model: every
 * bucket of the window present, empty ones zero, the busiest groups first and the tail as "other".
 */
export function shapeUsage(response: Pick<UsageOverviewResponse, 'from' | 'to' | 'bucket' | 'data'>, by: UsageGrouping, maxGroups = MAX_GROUPS): UsageSeries {
  const width = BUCKET_MS[response.bucket];
  const from = Date.parse(response.from);
  const to = Date.parse(response.to);
  const count = Math.max(0, Math.ceil((to - from) / width));
  const x = Array.from({ length: count }, (_, i) => (from + i * width) / 1000);

  const byLabel = new Map<string, UsageGroup>();
  const groupOf = (label: string): UsageGroup => {
    let group = byLabel.get(label);
    if (!group) {
      group = { label, requests: new Array<number>(count).fill(0), errors: new Array<number>(count).fill(0), costUsd: new Array<number | null>(count).fill(0), totalRequests: 0, totalErrors: 0, totalCostUsd: 0, costIncomplete: false };
      byLabel.set(label, group);
    }
    return group;
  };
  // Which (group, bucket) cells had calls, and whether any of them had a known cost.
  const known = new Map<string, boolean>();
  for (const row of response.data) {
    const i = Math.floor((Date.parse(row.bucket) - from) / width);
    if (i < 0 || i >= count) continue;
    const label = labelOf(row, by);
    add(groupOf(label), i, row, known, label);
  }
  for (const group of byLabel.values()) finish(group, known);

  const sorted = [...byLabel.values()].sort((a, b) => b.totalRequests - a.totalRequests || a.label.localeCompare(b.label));
  if (sorted.length <= maxGroups) return { x, groups: sorted };
  const kept = sorted.slice(0, maxGroups - 1);
  return { x, groups: [...kept, merge(OTHER, sorted.slice(maxGroups - 1), count)] };
}

function labelOf(row: UsageRow, by: UsageGrouping): string {
  return by === 'workload' ? row.workload : (row.model ?? UNSERVED);
}

function add(group: UsageGroup, i: number, row: UsageRow, known: Map<string, boolean>, label: string): void {
  group.requests[i] += row.requests;
  group.errors[i] += row.errors;
  group.totalRequests += row.requests;
  group.totalErrors += row.errors;
  const key = `${label}\u0000${i}`;
  if (row.costUsd === null) {
    if (row.requests > 0) group.costIncomplete = true;
    if (!known.has(key)) known.set(key, false);
    return;
  }
  group.costUsd[i] = (group.costUsd[i] ?? 0) + row.costUsd;
  group.totalCostUsd += row.costUsd;
  known.set(key, true);
}

/** A bucket whose calls all lacked a price has an unknown cost, not a zero one. */
function finish(group: UsageGroup, known: Map<string, boolean>): void {
  for (let i = 0; i < group.costUsd.length; i++) {
    if (known.get(`${group.label}\u0000${i}`) === false) group.costUsd[i] = null;
  }
}

function merge(label: string, groups: UsageGroup[], count: number): UsageGroup {
  const out: UsageGroup = { label, requests: new Array<number>(count).fill(0), errors: new Array<number>(count).fill(0), costUsd: new Array<number | null>(count).fill(0), totalRequests: 0, totalErrors: 0, totalCostUsd: 0, costIncomplete: false };
  const unknown = new Array<boolean>(count).fill(false);
  const priced = new Array<boolean>(count).fill(false);
  for (const g of groups) {
    for (let i = 0; i < count; i++) {
      out.requests[i] += g.requests[i];
      out.errors[i] += g.errors[i];
      const cost = g.costUsd[i];
      if (cost === null) unknown[i] = true;
      else {
        out.costUsd[i] = (out.costUsd[i] ?? 0) + cost;
        // A zero where the group had no calls says nothing about prices.
        if (g.requests[i] > 0) priced[i] = true;
      }
    }
    out.totalRequests += g.totalRequests;
    out.totalErrors += g.totalErrors;
    out.totalCostUsd += g.totalCostUsd;
    out.costIncomplete ||= g.costIncomplete;
  }
  for (let i = 0; i < count; i++) if (unknown[i] && !priced[i]) out.costUsd[i] = null;
  return out;
}
