import type { PolicyDiffDeltas, PolicyDiffDetail } from '@switchyard/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allGpt4, LoopStack } from './support/loop.stack.js';

/** 600 arc-challenge prompts recorded for these models only: enough distinct prompts that a run's draws rarely repeat one. */
const FLEET = 'datasets/calibration.fleet.jsonl';
const CHEAPER = ['zero-one-ai--Yi-34B-Chat', 'mistralai--mixtral-8x7b-chat'];
const RUNS = 10;
// Latency slack: in one process, queueing on the event loop, not the route, decides p95 (see canary-rollout.e2e-spec.ts).
const SCHEDULE = { steps: [0.5, 1], minDwellMs: 200, minSamplesPerStep: 60, tolerance: 0.05, latencyP95SlackMs: 5_000, checkEveryMs: 250, maxStepMs: 60_000 };

type Estimate = PolicyDiffDeltas['quality'];
const half = (e: Estimate): number => (e.high - e.low) / 2;
/**
 * A prediction agrees with the canary's measurement when the two differ by no more than their
 * stated 95% intervals allow together: both are estimates, so the half-widths add in quadrature.
 */
const agrees = (predicted: Estimate, measured: Estimate): boolean => Math.abs(predicted.delta - measured.delta) <= Math.hypot(half(predicted), half(measured));
const within = (x: number, e: Estimate): boolean => e.low <= x && x <= e.high;

/**
 * Whether the numbers on a diff can be trusted: in ten seeded runs of the whole loop, each on its own
 * workload and traffic, the predicted quality and cost deltas of the approved diff are compared with
 * what its canary then measured. At least nine of ten must agree on both.
 */
describe('loop calibration: predicted against canary-measured deltas over seeded runs', () => {
  let s: LoopStack;
  const arc = () => s.fleet.rows;

  beforeAll(async () => {
    s = await LoopStack.start({ cheaper: CHEAPER, workloads: [], floorShare: 0.85, fleetFile: FLEET });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  it(`agrees in at least 9 of ${RUNS} runs on quality and on cost`, async () => {
    const report: { seed: number; workload: string; summary: string; predicted: PolicyDiffDeltas; measured: PolicyDiffDeltas | null; quality: boolean; cost: boolean }[] = [];
    for (let seed = 1; seed <= RUNS; seed++) {
      // Each run is its own workload: the arc-challenge prompts under another name, so runs do not share data.
      const workload = `arc-run${seed}`;
      await s.activate(allGpt4([workload], CHEAPER), `calibration run ${seed}`);
      // Traffic until the optimizer has enough evidence to propose, as a deployment would accumulate it.
      let diff: PolicyDiffDetail | undefined;
      for (let batch = 0; !diff && batch < 4; batch++) {
        await s.send(160, 10 * seed + batch, arc(), () => workload);
        await s.drained([workload]);
        diff = await s.refitAndProposal(workload);
      }
      if (!diff) throw new Error(`run ${seed}: no proposal after 640 requests`);
      expect((await s.admin('POST', `/admin/policy-diffs/${diff.id}/approve`, {})).status).toBe(200);
      expect((await s.admin('POST', `/admin/policy-diffs/${diff.id}/canary`, { schedule: SCHEDULE })).status).toBe(202);
      const ended = await s.canaryEnds(diff.id, async (round) => {
        await s.send(64, 100 * seed + round, arc(), () => workload);
        await s.drained([workload]);
      });
      const m = ended.measured;
      console.log(`run ${seed}: ${ended.status}; predicted ${JSON.stringify(diff.predicted)}; measured ${JSON.stringify(m)}`);
      report.push({
        seed,
        workload,
        summary: diff.summary,
        predicted: diff.predicted,
        measured: m,
        quality: m !== null && agrees(diff.predicted.quality, m.quality),
        cost: m !== null && agrees(diff.predicted.costPerRequest, m.costPerRequest),
      });
    }
    const tally = {
      quality: report.filter((r) => r.quality).length,
      cost: report.filter((r) => r.cost).length,
      measuredWithinPredicted: {
        quality: report.filter((r) => r.measured && within(r.measured.quality.delta, r.predicted.quality)).length,
        cost: report.filter((r) => r.measured && within(r.measured.costPerRequest.delta, r.predicted.costPerRequest)).length,
      },
    };
    console.log(JSON.stringify({ runs: RUNS, tally, report }, null, 1));
    expect(tally.quality).toBeGreaterThanOrEqual(9);
    expect(tally.cost).toBeGreaterThanOrEqual(9);
  }, 900_000);
});
