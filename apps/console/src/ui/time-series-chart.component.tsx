import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  /** One value per x; null where there is none. */
  values: (number | null)[];
  color: string;
  /** Drawn as a band between two series of the same length (e.g. an interval's low and high). */
  band?: { low: (number | null)[]; high: (number | null)[] };
  dashed?: boolean;
}

interface Props {
  /** Unix seconds. */
  x: number[];
  series: Series[];
  /** Axis label with its unit, e.g. "USD per hour". */
  yLabel: string;
  title: string;
  /** Formats a y value with its unit for the legend. */
  format?: (n: number) => string;
  height?: number;
}

/**
 * A uPlot time chart; the table-free data is also summarised in the caption's legend. Bands are
 * added as hidden series so uPlot can fill between them.
 */
export function TimeSeriesChart({ x, series, yLabel, title, format, height = 240 }: Props) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const data: (number | null)[][] = [x];
    const seriesOpts: Options['series'] = [{}];
    const bands: NonNullable<Options['bands']> = [];
    const bandEdges: number[] = [];
    for (const s of series) {
      data.push(s.values);
      seriesOpts.push({ label: s.label, stroke: s.color, width: 2, dash: s.dashed ? [6, 4] : undefined, value: (_u, v) => (v === null || v === undefined ? '—' : format ? format(v) : String(v)) });
      if (s.band) {
        const high = data.push(s.band.high) - 1;
        seriesOpts.push({ label: `${s.label} high`, stroke: 'transparent', points: { show: false } });
        const low = data.push(s.band.low) - 1;
        seriesOpts.push({ label: `${s.label} low`, stroke: 'transparent', points: { show: false } });
        bands.push({ series: [high, low], fill: `${s.color}33` });
        bandEdges.push(high, low);
      }
    }
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth || 640),
        height,
        series: seriesOpts,
        bands,
        axes: [{}, { label: yLabel, values: (_u, ticks) => ticks.map((t) => (format ? format(t) : String(t))), size: 70 }],
        legend: { live: true },
      },
      data as AlignedData,
      el,
    );
    // Band edges are series only so uPlot can fill between them: keep them out of the legend.
    const legendRows = plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    bandEdges.forEach((i) => legendRows[i]?.style.setProperty('display', 'none'));
    const resize = () => plot.setSize({ width: Math.max(320, el.clientWidth), height });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [x, series, yLabel, format, height]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={`${title}: ${series.map((s) => s.label).join(', ')}, ${x.length} points`} data-testid="time-series-chart" />
    </figure>
  );
}
