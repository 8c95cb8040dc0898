import { createPolicyDiffRequestSchema, policyDiffDeltasSchema, policyDocumentSchema } from '@switchyard/contracts';
import { describe, expect, it } from 'vitest';
import { buildDiff } from './diff-builder.js';
import { type RouteProposal, searchRoute } from './route-search.js';
import { catalog, fitted, flat, incumbent, samples, WORKLOAD } from './testing/proposal-fixture.factory.js';

const EVIDENCE = {
  samplesPerModel: { 'gpt-4': { judge: 300, golden: 20, shadow: 0, feedback: 0 }, 'yi-34b': { judge: 80, golden: 12, shadow: 0, feedback: 0 }, mixtral: { judge: 9, golden: 0, shadow: 0, feedback: 0 } },
  scorerMix: { 'llm-judge:helpfulness': 389, exact: 32 },
  exampleSpanIds: ['span_1', 'span_2'],
};

function propose(yi: (t: number) => number, over: { floor?: { kind: 'absolute'; min: number }; gpt4?: number } = {}): RouteProposal {
  const r = searchRoute({
    workload: WORKLOAD,
    parent: incumbent(),
    catalog,
    samples: samples(90),
    models: ['gpt-4', 'yi-34b'],
    fitted: fitted({ 'gpt-4': flat(over.gpt4 ?? 0.9), 'yi-34b': yi }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.002) }),
    ...(over.floor ? { floor: over.floor } : {}),
  });
  if (r.kind !== 'proposal') throw new Error(`expected a proposal: ${r.why}`);
  return r;
}

describe('buildDiff', () => {
  it('summarises a threshold rule in the reviewer’s terms and keeps the rest of the parent', () => {
    const diff = buildDiff({ proposal: propose((t) => (t < 320 ? 0.895 : 0.5)), evidence: EVIDENCE, monthlyRequests: 100_000 });
    expect(diff.summary).toMatch(
      /^winogrande: route prompts under 320 input tokens to yi-34b \(was gpt-4\)\. Expected quality −0\.1% \[−\d\.\d%, \+0\.\d%\] on 412 scored samples \(judge 380, golden 32\)\. Cost −20%, about −\$196\/month at last week's volume\.$/,
    );
    expect(diff).toMatchObject({ workloads: [WORKLOAD], reason: 'cheaper' });
    // 22 of 90 requests move to yi-34b, each $0.008 cheaper.
    expect(diff.predicted.monthlyUsd).toBeCloseTo((-0.008 * 22 * 100_000) / 90, 6);
    expect(policyDiffDeltasSchema.parse(diff.predicted)).toEqual(diff.predicted);
    expect(policyDocumentSchema.parse(diff.proposedDocument)).toEqual(diff.proposedDocument);
    expect(diff.proposedDocument.defaultRoute).toEqual(incumbent().defaultRoute);
    expect(createPolicyDiffRequestSchema.safeParse(diff).success).toBe(true);
  });

  it('names a single-model switch and flags drift, with a cost increase', () => {
    const diff = buildDiff({ proposal: propose(flat(0.95), { gpt4: 0.7, floor: { kind: 'absolute', min: 0.85 } }), evidence: EVIDENCE });
    expect(diff.reason).toBe('drift');
    expect(diff.summary).toMatch(/^winogrande: route all prompts to yi-34b \(was gpt-4\)\. Expected quality \+25\.0% \[\+2\d\.\d%, \+2\d\.\d%\] on 412 scored samples/);
    expect(diff.summary).toMatch(/Drift: the current route's predicted quality \(lower bound 69\.\d%\) is below the floor 85\.0%\.$/);
    expect(policyDiffDeltasSchema.safeParse(diff.predicted).success).toBe(true);
  });
});
