import { useMemo } from 'react';
import { count, dateTime, ms, percent, points } from '../ui/format';
import { TimeSeriesChart } from '../ui/time-series-chart.component';
import { canaryChartSeries, drawable } from './canary-chart.series';
import type { ArmPoint, Interval, Measurement } from './canary-steps.parse';
import { share as shareText } from './canary.format';

// Module-level formatters: the chart redraws when its props change identity, and the page polls every 2 s.
const pct = (n: number) => percent(n, 2);
const level = (n: number) => percent(n);
const pts = (n: number) => points(n, 2);
const interval = (e: Interval | null, format: (n: number) => string) => (e ? `${format(e.value)} [${format(e.low)}, ${format(e.high)}]` : '—');
const p95 = (a: ArmPoint) => (a.p95LatencyMs === null ? '—' : ms(a.p95LatencyMs));
const VERDICT = { wait: 'wait', pass: 'pass: advance', fail: 'fail: roll back' } as const;

interface Props {
  measurements: readonly Measurement[];
  /** The diff's predicted Δquality, drawn as the level the canary was expected at. */
  predictedDelta: number;
}

/**
 * The canary against the control: charts over time once two measurements have values to draw a
 * line through, the latest one's numbers (intervals and sample counts per arm), and every measurement as a table.
 */
export function CanaryMeasurements({ measurements, predictedDelta }: Props) {
  const charts = useMemo(() => canaryChartSeries(measurements, predictedDelta), [measurements, predictedDelta]);
  const latest = measurements.at(-1);
  if (!latest) {
    return <p className="muted">No measurement yet: the worker checks a step once it has dwelt its least time, and records each check here.</p>;
  }
  return (
    <>
      <h3>Latest measurement</h3>
      <LatestTable m={latest} predictedDelta={predictedDelta} />
      {drawable(charts.quality) ? (
        <TimeSeriesChart x={charts.x} series={charts.quality} yLabel="judged quality (%)" title="Judged quality, canary vs control (95% intervals), and the predicted level (dashed)" format={level} />
      ) : (
        <p className="muted">The quality chart appears once two checks have judged calls to compare.</p>
      )}
      {drawable(charts.errorRate) && <TimeSeriesChart x={charts.x} series={charts.errorRate} yLabel="error rate (%)" title="Error rate, canary vs control (95% intervals)" format={pct} />}
      {drawable(charts.p95LatencyMs) && <TimeSeriesChart x={charts.x} series={charts.p95LatencyMs} yLabel="p95 latency (ms)" title="p95 latency, canary vs control" format={ms} />}
      <details>
        <summary>Every measurement ({count(measurements.length, 'check')})</summary>
        <table>
          <caption className="visually-hidden">Canary and control at every measurement, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Recorded</th>
              <th scope="col">Step (share)</th>
              <th scope="col">Canary quality</th>
              <th scope="col">Control quality</th>
              <th scope="col">Δquality (canary − control)</th>
              <th scope="col">Error rate canary / control</th>
              <th scope="col">p95 latency canary / control</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {measurements.map((m, i) => (
              <tr key={`${m.at}-${i}`}>
                <th scope="row">{dateTime(m.at)}</th>
                <td>
                  {m.step !== null ? `step ${m.step + 1}` : '—'}
                  {m.share !== null && ` (${shareText(m.share)})`}
                </td>
                <td>
                  {interval(m.canary.quality, level)} <span className="muted">n = {m.canary.scored.toLocaleString('en-US')}</span>
                </td>
                <td>
                  {interval(m.control.quality, level)} <span className="muted">n = {m.control.scored.toLocaleString('en-US')}</span>
                </td>
                <td>{interval(m.qualityDelta, pts)}</td>
                <td>
                  {interval(m.canary.errorRate, pct)} / {interval(m.control.errorRate, pct)}
                </td>
                <td>
                  {p95(m.canary)} / {p95(m.control)}
                </td>
                <td>{m.verdict ? `${VERDICT[m.verdict]}${m.reason ? ` — ${m.reason}` : ''}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function LatestTable({ m, predictedDelta }: { m: Measurement; predictedDelta: number }) {
  const rows: { arm: string; stats: ArmPoint }[] = [
    { arm: 'Canary', stats: m.canary },
    { arm: 'Control', stats: m.control },
  ];
  return (
    <>
      <table data-testid="canary-latest-measurement">
        <caption>
          Recorded {dateTime(m.at)}
          {m.step !== null && `, step ${m.step + 1}`}
          {m.share !== null && ` (${shareText(m.share)} of callers on the canary)`}. Intervals are 95%.
        </caption>
        <thead>
          <tr>
            <th scope="col">Arm</th>
            <th scope="col" className="num">
              Calls
            </th>
            <th scope="col" className="num">
              Judged calls
            </th>
            <th scope="col">Mean judged quality</th>
            <th scope="col">Error rate</th>
            <th scope="col" className="num">
              p95 latency
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ arm, stats }) => (
            <tr key={arm}>
              <th scope="row">{arm}</th>
              <td className="num">{count(stats.calls, 'call')}</td>
              <td className="num">{count(stats.scored, 'judged call')}</td>
              <td>{interval(stats.quality, level)}</td>
              <td>
                {interval(stats.errorRate, pct)} <span className="muted">({count(stats.errors, 'error')})</span>
              </td>
              <td className="num">{p95(stats)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">Canary − control</th>
            <td className="num" colSpan={2}>
              n = {(m.canary.scored + m.control.scored).toLocaleString('en-US')} judged calls
            </td>
            <td>{interval(m.qualityDelta, pts)}</td>
            <td colSpan={2} className="muted">
              Predicted: {points(predictedDelta, 2)}
              {m.control.quality && ` (canary expected at ${percent(m.control.quality.value + predictedDelta)})`}
            </td>
          </tr>
        </tbody>
      </table>
      {m.verdict && (
        <p>
          Check verdict: <strong>{VERDICT[m.verdict]}</strong>
          {m.reason && ` — ${m.reason}`}
        </p>
      )}
    </>
  );
}
