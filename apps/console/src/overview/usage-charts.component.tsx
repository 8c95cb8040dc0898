import { useMemo } from 'react';
import { usd } from '../ui/format';
import { type Series, TimeSeriesChart } from '../ui/time-series-chart.component';
import type { UsageSeries } from './usage-series';

/** Colour-blind-safe palette (Okabe–Ito, then greys): one colour per group, in the table's order. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#7f7f00', '#000000', '#999999'];

const requestsFormat = (n: number) => `${Math.round(n).toLocaleString('en-US')} req`;

/** The uPlot charts, in their own chunk: the overview's tables show before the chart library loads. */
export default function UsageCharts({ series, bucketLabel }: { series: UsageSeries; bucketLabel: string }) {
  const requests = useMemo<Series[]>(() => series.groups.map((g, i) => ({ label: g.label, values: g.requests, color: PALETTE[i % PALETTE.length] })), [series]);
  const cost = useMemo<Series[]>(() => series.groups.map((g, i) => ({ label: g.label, values: g.costUsd, color: PALETTE[i % PALETTE.length] })), [series]);
  return (
    <div className="usage-charts">
      <TimeSeriesChart x={series.x} series={requests} yLabel={`Requests per ${bucketLabel}`} title={`Requests per ${bucketLabel}`} format={requestsFormat} />
      <TimeSeriesChart x={series.x} series={cost} yLabel={`USD per ${bucketLabel}`} title={`Cost (USD) per ${bucketLabel}`} format={usd} />
    </div>
  );
}
