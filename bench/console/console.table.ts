import type { Spread } from './load-stats.js';

export interface ConsoleTableRow {
  scenario: string;
  milestone: string;
  spread: Spread;
  /** Median over the baseline's median, when compared. */
  vsBaseline?: number;
  /** JS + CSS on the wire by the end of the load, in KiB. */
  jsKiB?: number;
  cssKiB?: number;
  /** The target, when this row is judged: pass or miss. */
  verdict?: string;
}

const num = (x: number | undefined, digits = 1): string => (x === undefined || Number.isNaN(x) ? '' : x.toFixed(digits));

/** The report as one screen of text, for stderr. */
export function formatTable(rows: readonly ConsoleTableRow[]): string {
  const header = ['scenario', 'milestone', 'median ms', 'p90 ms', 'min ms', 'max ms', '× baseline', 'JS KiB', 'CSS KiB', '< 1 s'];
  const cells = rows.map((r) => [
    r.scenario,
    r.milestone,
    num(r.spread.medianMs),
    num(r.spread.p90Ms),
    num(r.spread.minMs),
    num(r.spread.maxMs),
    num(r.vsBaseline, 2),
    num(r.jsKiB),
    num(r.cssKiB),
    r.verdict ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
