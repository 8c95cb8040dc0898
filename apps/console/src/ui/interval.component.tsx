import { useId } from 'react';

export interface IntervalValue {
  delta: number;
  low: number;
  high: number;
}

interface Props {
  value: IntervalValue;
  /** Formats a number of the value's scale for the labels, with its unit. */
  format: (n: number) => string;
  /** Samples behind the estimate; shown with it, since an interval means little without it. */
  samples: number | null;
  /** What the number is, for screen readers and the legend, e.g. "Predicted Δquality". */
  label: string;
  /** Shared axis when several whiskers are compared; defaults to the value's own span and zero. */
  domain?: [number, number];
  /** A second estimate on the same axis, e.g. the canary's measurement next to the prediction. */
  compare?: { value: IntervalValue; label: string } | null;
  width?: number;
}

const HEIGHT_PER_ROW = 22;

/**
 * A point estimate with its interval drawn as a whisker on an axis through zero, and the numbers
 * in text beside it: the picture for a glance, the text for exact reading and for screen readers.
 */
export function IntervalWhisker({ value, format, samples, label, domain, compare, width = 240 }: Props) {
  const titleId = useId();
  const rows = compare ? [{ value, label }, compare] : [{ value, label }];
  const [min, max] = domain ?? paddedDomain(rows.map((r) => r.value));
  const x = (n: number) => 8 + ((n - min) / (max - min || 1)) * (width - 16);
  const height = rows.length * HEIGHT_PER_ROW + 10;
  const text = `${label}: ${format(value.delta)} [${format(value.low)}, ${format(value.high)}]${samples === null ? '' : `, n = ${samples.toLocaleString('en-US')}`}`;
  return (
    <span className="interval">
      <svg role="img" aria-labelledby={titleId} width={width} height={height} viewBox={`0 0 ${width} ${height}`} data-testid="interval-whisker">
        <title id={titleId}>{compare ? `${text}; ${compare.label}: ${format(compare.value.delta)} [${format(compare.value.low)}, ${format(compare.value.high)}]` : text}</title>
        {min <= 0 && max >= 0 && <line className="interval-zero" x1={x(0)} x2={x(0)} y1={0} y2={height} />}
        {rows.map((row, i) => {
          const y = 12 + i * HEIGHT_PER_ROW;
          return (
            <g key={row.label} className={i === 0 ? 'interval-primary' : 'interval-compare'} data-low={row.value.low} data-high={row.value.high} data-delta={row.value.delta}>
              <line x1={x(row.value.low)} x2={x(row.value.high)} y1={y} y2={y} />
              <line x1={x(row.value.low)} x2={x(row.value.low)} y1={y - 5} y2={y + 5} />
              <line x1={x(row.value.high)} x2={x(row.value.high)} y1={y - 5} y2={y + 5} />
              <circle cx={x(row.value.delta)} cy={y} r={4} />
            </g>
          );
        })}
      </svg>
      <span className="interval-text">
        <span className="interval-delta">{format(value.delta)}</span>{' '}
        <span className="interval-range">
          [{format(value.low)}, {format(value.high)}]
        </span>
        {samples !== null && <span className="interval-n"> n = {samples.toLocaleString('en-US')}</span>}
      </span>
    </span>
  );
}

/** The values' extent, always including zero (the "no change" line), with a little room at the ends. */
export function paddedDomain(values: IntervalValue[]): [number, number] {
  let min = 0;
  let max = 0;
  for (const v of values) {
    min = Math.min(min, v.low, v.delta);
    max = Math.max(max, v.high, v.delta);
  }
  const pad = (max - min) * 0.08 || 0.01;
  return [min - pad, max + pad];
}
