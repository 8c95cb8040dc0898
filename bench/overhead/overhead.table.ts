import type { LoadResult } from './load.runner.js';

export interface TableRow {
  mode: string;
  rate: string;
  target: string;
  result: LoadResult;
  /** Latency added over `direct` in the same mode and rate, in ms. */
  added?: { p50Ms: number; p90Ms: number; p99Ms: number };
}

const num = (x: number | undefined, digits = 2): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));

/** The report as one screen of text, for stderr. */
export function formatTable(rows: readonly TableRow[]): string {
  const header = ['mode', 'rate', 'target', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', '+p50', '+p90', '+p99', 'cpu s/1k', 'rss MB', 'errors'];
  const cells = rows.map((r) => [
    r.mode,
    r.rate,
    r.target,
    String(r.result.requestsPerSecond),
    num(r.result.p50Ms),
    num(r.result.p90Ms),
    num(r.result.p99Ms),
    num(r.added?.p50Ms),
    num(r.added?.p90Ms),
    num(r.added?.p99Ms),
    num(r.result.cpuSecondsPer1k, 3),
    String(r.result.rssMb),
    String(r.result.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const [i, c] of cells.entries()) {
    const group = `${rows[i].mode}/${rows[i].rate}`;
    if (previous && group !== previous) out.push('');
    previous = group;
    out.push(line(c));
  }
  return `${out.join('\n')}\n`;
}
