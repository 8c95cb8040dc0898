import type { PolicyDiff, PolicyDiffDeltas } from '@switchyard/contracts';
import { Link } from 'react-router';
import { points, relative, usd } from '../ui/format';
import { IntervalWhisker } from '../ui/interval.component';

/** Scored samples behind the diff's prediction, over every model and source. */
export function evidenceSamples(diff: Pick<PolicyDiff, 'evidence'>): number {
  let n = 0;
  for (const s of Object.values(diff.evidence.samplesPerModel)) n += s.judge + s.golden + s.shadow + s.feedback;
  return n;
}

interface Props {
  diff: PolicyDiff;
  /** The canary's measured deltas, drawn beside the prediction once there are any. */
  measured: PolicyDiffDeltas | null;
  /** Judged calls behind `measured` (both arms), when the step log recorded them. */
  measuredSamples: number | null;
}

/** What the diff is expected to do, with its intervals and evidence, and what the canary measured. */
export function CanaryPrediction({ diff, measured, measuredSamples }: Props) {
  const samples = evidenceSamples(diff);
  const { quality, costPerRequest } = diff.predicted;
  return (
    <section aria-labelledby="canary-prediction">
      <h2 id="canary-prediction">The change</h2>
      <p>{diff.summary}</p>
      <dl className="facts">
        <dt>Workloads</dt>
        <dd>{diff.workloads.join(', ')}</dd>
        <dt>Predicted Δquality</dt>
        <dd>
          <IntervalWhisker
            value={quality}
            format={(n) => points(n)}
            samples={samples}
            label="Predicted Δquality"
            compare={measured ? { value: measured.quality, label: 'Measured Δquality (canary − control)' } : null}
          />
        </dd>
        {measured && (
          <>
            <dt>Measured Δquality</dt>
            <dd>
              <IntervalWhisker value={measured.quality} format={(n) => points(n)} samples={measuredSamples} label="Measured Δquality (canary − control)" />
              {measuredSamples === null && <span className="muted"> (judged-call count not recorded with this measurement)</span>}
            </dd>
          </>
        )}
        <dt>Predicted Δcost per request</dt>
        <dd>
          <IntervalWhisker value={costPerRequest} format={(n) => usd(n, true)} samples={samples} label="Predicted Δcost per request" /> <span>({relative(costPerRequest.relative)})</span>
        </dd>
        {measured && (
          <>
            <dt>Measured Δcost per request</dt>
            <dd>
              <IntervalWhisker value={measured.costPerRequest} format={(n) => usd(n, true)} samples={measuredSamples} label="Measured Δcost per request" /> <span>({relative(measured.costPerRequest.relative)})</span>
            </dd>
          </>
        )}
      </dl>
      <p>
        <Link to={`/diffs/${encodeURIComponent(diff.id)}`}>Review the diff, its evidence and audit trail</Link>
      </p>
    </section>
  );
}
