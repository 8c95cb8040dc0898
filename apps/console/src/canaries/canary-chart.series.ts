import type { Series } from '../ui/time-series-chart.component';
import type { Interval, Measurement } from './canary-steps.parse';

export const CANARY_COLOR = '#bf8700';
export const CONTROL_COLOR = '#0a58ca';
export const PREDICTED_COLOR = '#57606a';

/** The three charts of a canary page, on one time axis. */
export interface CanaryCharts {
  /** Unix seconds, one per measurement. */
  x: number[];
  quality: Series[];
  errorRate: Series[];
  p95LatencyMs: Series[];
}

/**
 * Shapes the step log's measurements into chart series: per arm, judged quality and error rate
 * with their 95% intervals as bands, and p95 latency. `predictedDelta` (the diff's predicted
 * Δquality) is drawn as the level the canary was expected at: the control's measured mean plus the
 * predicted change, dashed, so the measurement reads against the prediction at every point.
 */
export function canaryChartSeries(measurements: readonly Measurement[], predictedDelta: number | null): CanaryCharts {
  const sorted = [...measurements].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  // Fractional seconds: checks can come less than a second apart (short test schedules), and must not share an x.
  const x = sorted.map((m) => Date.parse(m.at) / 1000);
  const arms = [
    { label: 'Canary', color: CANARY_COLOR, pick: (m: Measurement) => m.canary },
    { label: 'Control', color: CONTROL_COLOR, pick: (m: Measurement) => m.control },
  ];
  const withBand = (label: string, color: string, est: (Interval | null)[]): Series => ({
    label,
    color,
    values: est.map((e) => e?.value ?? null),
    band: { low: est.map((e) => e?.low ?? null), high: est.map((e) => e?.high ?? null) },
  });

  const quality = arms.map(({ label, color, pick }) => withBand(`${label} quality`, color, sorted.map((m) => pick(m).quality)));
  if (predictedDelta !== null) {
    quality.push({ label: 'Predicted canary quality', color: PREDICTED_COLOR, dashed: true, values: sorted.map((m) => (m.control.quality ? m.control.quality.value + predictedDelta : null)) });
  }
  const errors = arms.map(({ label, color, pick }) => withBand(`${label} error rate`, color, sorted.map((m) => pick(m).errorRate)));
  const latency: Series[] = arms.map(({ label, color, pick }) => ({ label: `${label} p95 latency`, color, values: sorted.map((m) => pick(m).p95LatencyMs) }));

  return { x, quality, errorRate: errors, p95LatencyMs: latency };
}

/** Whether a chart has a line to draw: at least two times at which some series has a value. */
export function drawable(series: readonly Series[]): boolean {
  const length = Math.max(0, ...series.map((s) => s.values.length));
  let points = 0;
  for (let i = 0; i < length && points < 2; i++) if (series.some((s) => s.values[i] !== null && s.values[i] !== undefined)) points++;
  return points >= 2;
}
