import type { PolicyDiff } from '@switchyard/contracts';
import { ms, points, relative, usd } from '../ui/format';
import { IntervalWhisker, paddedDomain } from '../ui/interval.component';
import { relativeCostInterval } from './diff-numbers';

/**
 * The predicted effect with its intervals and sample count, and once a canary has run, what it
 * measured drawn on the same axis beside it.
 */
export function DiffEffect({ diff, samples }: { diff: PolicyDiff; samples: number }) {
  const { predicted, measured } = diff;
  const quality = measured ? { value: measured.quality, label: 'Measured by the canary' } : null;
  const cost = measured ? { value: measured.costPerRequest, label: 'Measured by the canary' } : null;
  const rel = relativeCostInterval(predicted.costPerRequest);
  return (
    <div className="effect">
      <span>
        <strong>Δquality</strong>
        <br />
        <span className="muted">points on the 0–100 score scale</span>
      </span>
      <span data-testid="predicted-quality">
        <IntervalWhisker
          value={predicted.quality}
          format={(v) => points(v)}
          samples={samples}
          label="Predicted Δquality"
          compare={quality}
          domain={paddedDomain(quality ? [predicted.quality, quality.value] : [predicted.quality])}
          width={320}
        />
        {quality && (
          <div className="muted">
            measured by the canary: {points(quality.value.delta)} [{points(quality.value.low)}, {points(quality.value.high)}]
          </div>
        )}
      </span>
      <span>
        <strong>Δcost per request</strong>
        <br />
        <span className="muted">USD</span>
      </span>
      <span data-testid="predicted-cost">
        <IntervalWhisker
          value={predicted.costPerRequest}
          format={(v) => usd(v, true)}
          samples={samples}
          label="Predicted Δcost per request"
          compare={cost}
          domain={paddedDomain(cost ? [predicted.costPerRequest, cost.value] : [predicted.costPerRequest])}
          width={320}
        />
        <div className="muted">
          = {relative(rel.delta)} [{relative(rel.low)}, {relative(rel.high)}] relative to the current cost per request
        </div>
      </span>
      {predicted.monthlyUsd !== undefined && (
        <>
          <strong>Δmonthly spend</strong>
          <span>{usd(predicted.monthlyUsd, true)} per month at last week&apos;s volume (point estimate)</span>
        </>
      )}
      {predicted.latencyP95Ms !== undefined && (
        <>
          <strong>Δp95 latency</strong>
          <span>
            {predicted.latencyP95Ms.delta >= 0 ? '+' : '−'}
            {ms(Math.abs(predicted.latencyP95Ms.delta))} (point estimate)
          </span>
        </>
      )}
    </div>
  );
}
