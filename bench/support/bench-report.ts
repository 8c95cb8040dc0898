import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** What the machine was doing when a benchmark ran: figures are only comparable within one report. */
export interface EnvironmentStamp {
  at: string;
  node: string;
  cpus: number;
  cpuModel: string;
  loadavg: number[];
  memoryGiB: { total: number; free: number };
  commit: string | null;
  note: string;
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

export function environmentStamp(): EnvironmentStamp {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Not a git checkout (a tarball): the report just has no commit.
  }
  return {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavg: loadavg().map((l) => round(l)),
    memoryGiB: { total: round(totalmem() / 2 ** 30, 1), free: round(freemem() / 2 ** 30, 1) },
    commit,
    note: 'shared machine: load generator, upstreams and the system under test share these cores; compare figures only within one report',
  };
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `trial` N times and reports, per numeric field, the median over the trials (plus every
 * trial, so the spread is visible). Non-numeric fields are taken from the first trial.
 */
export async function medianOf<T extends Record<string, unknown>>(n: number, trial: (index: number) => Promise<T>): Promise<{ median: T; trials: T[] }> {
  const trials: T[] = [];
  for (let i = 0; i < n; i++) trials.push(await trial(i));
  return { median: medianRecord(trials), trials };
}

function medianRecord<T extends Record<string, unknown>>(trials: readonly T[]): T {
  const first = trials[0];
  if (!first) throw new Error('medianOf needs at least one trial');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number') out[key] = median(trials.map((t) => t[key] as number));
    else if (value && typeof value === 'object' && !Array.isArray(value)) out[key] = medianRecord(trials.map((t) => t[key] as Record<string, unknown>));
    else out[key] = value;
  }
  return out as T;
}

/** Prints the report as JSON on stdout (the contract of every `npm run bench:*`), and to `outPath` when given. */
export function emitReport(bench: string, body: Record<string, unknown>, outPath?: string): void {
  const report = { bench, environment: environmentStamp(), ...body };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  process.stdout.write(json);
  if (outPath) writeFileSync(outPath, json);
}
