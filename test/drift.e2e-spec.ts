import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFitService } from '../apps/optimizer/src/models/model-fit.service.js';
import { GPT4, LoopStack } from './support/loop.stack.js';

const YI = 'zero-one-ai--Yi-34B-Chat';
const WORKLOAD = 'arc-challenge';
/**
 * Scores newer than this are the optimizer's "recent" side of a drift comparison. The corrupted
 * phase (40 calls, judged, then a refit) must fit inside it: 6 s alone, but close to 10 s while the
 * rest of the suite loads both cores, so there is room to spare.
 */
const RECENT_MS = 20_000;
/** Recent judge scores the drift check needs; the corrupted phase sends twice as many calls. */
const DRIFT_MIN_SAMPLES = 20;

/**
 * Drift over real HTTP, Postgres and Redis: a workload routed to a cheap model and shadowed to
 * GPT-4, until the provider silently swaps the model behind the cheap name. Its recent judge scores
 * fall below its history; the optimizer refits it on the recent ones alone, keeps the floor at its
 * quality from before the drop, and proposes moving the workload to GPT-4 even though that costs more.
 */
describe('drift: a cheap route whose model turns bad is moved to a dearer one that meets the floor', () => {
  let s: LoopStack;
  const arc = () => s.fleet.rows.filter((r) => r.workload === WORKLOAD);

  beforeAll(async () => {
    s = await LoopStack.start({
      cheaper: [YI],
      workloads: [WORKLOAD],
      floorShare: 0.85,
      optimizer: { minSamples: DRIFT_MIN_SAMPLES, drift: { recentMs: RECENT_MS, minSamples: DRIFT_MIN_SAMPLES } },
    });
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  it('proposes GPT-4 for arc-challenge, at a higher cost, citing the drop', async () => {
    // The incumbent: arc-challenge on Yi, every call judged and shadowed to GPT-4 (one shadow a call).
    const parentId = await s.activate(
      { defaultRoute: GPT4, routes: { [WORKLOAD]: YI }, evaluation: { sampleRate: 1, canarySampleRate: 1, shadow: { rate: 1, k: 1, models: [GPT4] } } },
      'arc-challenge on Yi',
    );
    await s.send(128, 31, arc());
    await s.drained([WORKLOAD]);
    // Let every score so far age into the history side of the comparison.
    await new Promise((r) => setTimeout(r, RECENT_MS + 250));

    // The provider swaps the model behind Yi's name: every answer is now wrong.
    s.corrupted.add(YI);
    const corruptedAt = Date.now();
    await s.send(2 * DRIFT_MIN_SAMPLES, 32, arc());
    await s.drained([WORKLOAD]);
    const diff = await s.refitAndProposal(WORKLOAD, 'drift');
    const elapsed = Date.now() - corruptedAt;
    const fit = s.optimizer.optimizer.get(ModelFitService).lastFit();
    const finding = fit?.drift.find((f) => f.workload === WORKLOAD && f.model === YI);
    // A corrupted phase slower than RECENT_MS would leave some of its scores on the history side.
    expect(finding, `drift findings ${JSON.stringify(fit?.drift)}, corrupted phase ${elapsed} ms`).toMatchObject({ source: 'judge' });

    expect(diff, `no drift proposal; fit summary: ${JSON.stringify(fit?.quality.filter((q) => q.workload === WORKLOAD))}`).toBeDefined();
    if (!diff) return;
    expect(diff.parentVersionId).toBe(parentId);
    expect(diff.workloads).toEqual([WORKLOAD]);
    // Away from the drifted model, onto GPT-4, which costs more per request than Yi.
    expect(JSON.stringify(diff.proposedDocument.routes[WORKLOAD])).toContain(GPT4);
    expect(diff.predicted.costPerRequest.delta).toBeGreaterThan(0);
    expect(diff.predicted.quality.delta).toBeGreaterThan(0);
    expect(diff.summary).toContain('Drift:');
    expect(diff.summary).toContain(`${YI} on ${WORKLOAD} scored`);
  }, 120_000);
});
