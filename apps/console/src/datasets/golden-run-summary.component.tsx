import type { GoldenRunModelSummary } from '@switchyard/contracts';
import { IntervalWhisker } from '../ui/interval.component';
import { ms, percent, usd } from '../ui/format';

const QUALITY_DOMAIN: [number, number] = [0, 1];
const format = (n: number) => percent(n);
const CHART_WIDTH = 360;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

/** Per-model results of a run: the numbers in a table, and the means with their 95% intervals on one shared axis. */
export function GoldenRunSummary({ summary, scorer }: { summary: GoldenRunModelSummary[]; scorer: string }) {
  const scored = summary.filter((s): s is GoldenRunModelSummary & { mean: number; low: number; high: number } => s.mean !== null && s.low !== null && s.high !== null);
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title">Per-model summary</h2>
      <table aria-labelledby="summary-title" data-testid="run-summary">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              n (scored)
            </th>
            <th scope="col" className="num">
              Mean {scorer} score [95% interval]
            </th>
            <th scope="col" className="num">
              Failed
            </th>
            <th scope="col" className="num">
              Calls
            </th>
            <th scope="col" className="num">
              Cost (USD)
            </th>
            <th scope="col" className="num">
              Latency p50 / p95
            </th>
          </tr>
        </thead>
        <tbody>
          {summary.map((s) => (
            <tr key={s.model}>
              <th scope="row">{s.model}</th>
              <td className="num">{s.n.toLocaleString('en-US')}</td>
              <td className="num">
                {s.mean === null ? (
                  <span className="muted">no scores</span>
                ) : (
                  <>
                    {percent(s.mean)}{' '}
                    <span className="interval-range">
                      [{s.low === null ? '—' : percent(s.low)}, {s.high === null ? '—' : percent(s.high)}]
                    </span>
                    {s.method && <span className="muted"> {s.method}</span>}
                  </>
                )}
              </td>
              <td className="num">{s.failed.toLocaleString('en-US')}</td>
              <td className="num">{s.calls.toLocaleString('en-US')}</td>
              <td className="num">{s.costUsd === null ? <span className="muted">unknown</span> : usd(s.costUsd)}</td>
              <td className="num">
                {s.latencyMs.p50 === null ? '—' : ms(s.latencyMs.p50)} / {s.latencyMs.p95 === null ? '—' : ms(s.latencyMs.p95)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {scored.length > 0 && (
        <figure className="run-chart">
          <figcaption>Mean score per model with its 95% interval (0–100%, shared axis)</figcaption>
          <ul className="interval-rows">
            {scored.map((s) => (
              <li key={s.model}>
                <span className="interval-label">{s.model}</span>
                <IntervalWhisker value={{ delta: s.mean, low: s.low, high: s.high }} format={format} samples={s.n} label={`${s.model} mean score`} domain={QUALITY_DOMAIN} width={CHART_WIDTH} />
              </li>
            ))}
            <li aria-hidden="true">
              <span />
              <QualityAxis width={CHART_WIDTH} />
            </li>
          </ul>
        </figure>
      )}
    </section>
  );
}

/** Tick labels under the whiskers, placed as IntervalWhisker places values (8 px inset at each end). */
function QualityAxis({ width }: { width: number }) {
  const x = (n: number) => 8 + n * (width - 16);
  return (
    <svg className="interval-axis" width={width} height={18} viewBox={`0 0 ${width} 18`}>
      <line x1={x(0)} x2={x(1)} y1={1} y2={1} />
      {TICKS.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={1} y2={5} />
          <text x={x(t)} y={16} textAnchor={t === 0 ? 'start' : t === 1 ? 'end' : 'middle'}>
            {percent(t, 0)}
          </text>
        </g>
      ))}
    </svg>
  );
}
