import autocannon from 'autocannon';
import type { BenchProcess } from './process.runner.js';

export interface LoadTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The process whose CPU and memory the run is charged to (the proxy; the upstream for `direct`). */
  process: BenchProcess;
}

export interface LoadSpec {
  body: string;
  /** Offered requests per second over all connections; undefined: as fast as the target answers. */
  rate?: number;
  connections: number;
  durationSeconds: number;
  /** Pause after the run before CPU is read again, so batched span writes are charged to the run that caused them. */
  settleMs: number;
}

/** One autocannon run against one target; latencies in ms with µs resolution. */
export interface LoadResult extends Record<string, unknown> {
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  ok: number;
  errors: number;
  cpuSecondsPer1k: number;
  rssMb: number;
  peakRssMb: number;
}

const quantile = (sorted: Float64Array, q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : Number.NaN);
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/**
 * Runs autocannon against a target. Latencies are taken from autocannon's per-response event (its
 * own histogram keeps whole milliseconds only, too coarse for a 1 ms target), 2xx answers only.
 */
export async function runLoad(target: LoadTarget, spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const cpuBefore = target.process.cpuSeconds();
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: spec.body,
        connections: spec.connections,
        duration: spec.durationSeconds,
        ...(spec.rate !== undefined && { overallRate: spec.rate }),
        timeout: 10,
      },
      (err: Error | null, res: autocannon.Result) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
      } else failed++;
    });
  });
  const seconds = (performance.now() - started) / 1_000;
  await new Promise((r) => setTimeout(r, spec.settleMs));
  const cpu = target.process.cpuSeconds() - cpuBefore;
  const sorted = Float64Array.from(latencies).sort();
  const memory = target.process.memory();
  return {
    requestsPerSecond: Math.round(ok / seconds),
    p50Ms: round(quantile(sorted, 0.5), 3),
    p90Ms: round(quantile(sorted, 0.9), 3),
    p99Ms: round(quantile(sorted, 0.99), 3),
    ok,
    errors: failed + result.errors + result.timeouts,
    cpuSecondsPer1k: ok ? round((cpu / ok) * 1_000, 3) : Number.NaN,
    rssMb: memory.rssMb,
    peakRssMb: memory.peakRssMb,
  };
}
