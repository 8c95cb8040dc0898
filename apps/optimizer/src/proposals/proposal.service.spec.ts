import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, PolicyDiffRepository, PolicyVersionRepository, ReplaySampleRepository, SpanRepository, spans } from '@switchyard/db';
import { buildSpanRow, createTestDatabase } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProposalService, type ProposalFit, type ProposalRunSummary } from './proposal.service.js';
import { catalog, fitted, flat, parentOf } from './testing/proposal-fixture.factory.js';

const fresh = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;
const prompt = (words: number) => ({ model: 'auto', messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `word${i}`).join(' ') }] });

describe('ProposalService against Postgres', () => {
  let handle: DatabaseHandle;
  let versions: PolicyVersionRepository;
  let diffs: PolicyDiffRepository;
  let samples: ReplaySampleRepository;
  let volumes: SpanRepository;

  beforeAll(() => {
    handle = createTestDatabase({ max: 4 });
    versions = new PolicyVersionRepository(handle.db);
    diffs = new PolicyDiffRepository(handle.db);
    samples = new ReplaySampleRepository(handle.db);
    volumes = new SpanRepository(handle.db);
  });

  afterAll(async () => {
    await handle.close();
  });

  /** An environment whose active policy sends the workload to gpt-4, and 40 recent requests of the workload. */
  async function seed(): Promise<{ environment: string; workload: string; versionId: string }> {
    const environment = fresh('test');
    const workload = fresh('wl');
    const version = await versions.create({ parentId: null, createdBy: 'test', reason: 'root', document: parentOf({ defaultRoute: 'gpt-4', routes: { [workload]: 'gpt-4' } }) });
    await versions.activate(environment, version.id, 'test', null);
    const now = Date.now();
    await handle.db.insert(spans).values(
      Array.from({ length: 40 }, (_, i) => buildSpanRow({ workload, model: 'gpt-4', redaction: 'full', requestBody: prompt(20 + 10 * i), startedAt: new Date(now - 1_000 * (i + 1)) })),
    );
    return { environment, workload, versionId: version.id };
  }

  const serviceFor = (environment: string, fit: ProposalFit): ProposalService =>
    new ProposalService(versions, diffs, samples, volumes, () => fit, { environment, catalog, models: ['gpt-4', 'yi-34b'], minSamples: 30, samplesPerWorkload: 100, windowMs: 3_600_000 });

  const outcomeOf = (summary: ProposalRunSummary, workload: string) => (summary.status === 'ran' ? summary.workloads.find((w) => w.workload === workload) : undefined);
  const groups = (workload: string): ProposalFit['groups'] => [
    { workload, model: 'gpt-4', n: 320, nBySource: { judge: 300, golden: 20 }, nByScorer: { 'judge:helpfulness': 300, exact: 20 } },
    { workload, model: 'yi-34b', n: 200, nBySource: { judge: 200 }, nByScorer: { 'judge:helpfulness': 150, 'judge:correctness': 50 } },
    // Neither the incumbent nor the candidate: listed per model, left out of the scorer mix.
    { workload, model: 'mixtral', n: 9, nBySource: { golden: 9 }, nByScorer: { multiple_choice: 9 } },
    { workload: 'another-workload', model: 'gpt-4', n: 1_000, nBySource: { judge: 1_000 }, nByScorer: { 'judge:helpfulness': 1_000 } },
  ];

  it('proposes the cheaper model once, as a diff on the active version, and does not repeat it on the next run', async () => {
    const { environment, workload, versionId } = await seed();
    const service = serviceFor(environment, { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) });

    const first = await service.proposeFromLatestFit();
    expect(first).toMatchObject({ status: 'ran', parentVersionId: versionId });
    expect(outcomeOf(first, workload)).toMatchObject({ status: 'proposed', reason: 'cheaper' });
    const stored = await diffs.list({ environment, workload, limit: 10 });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'proposed', reason: 'cheaper', parentVersionId: versionId, createdBy: 'optimizer', workloads: [workload] });
    expect(stored[0]?.patch.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored[0]?.proposedDocument.routes[workload])).toContain('yi-34b');
    expect(stored[0]?.evidence.samplesPerModel['yi-34b']).toEqual({ judge: 200, golden: 0, shadow: 0, feedback: 0 });
    expect(stored[0]?.evidence.samplesPerModel['mixtral']).toEqual({ judge: 0, golden: 9, shadow: 0, feedback: 0 });
    expect(stored[0]?.evidence.scorerMix).toEqual({ 'judge:helpfulness': 450, 'judge:correctness': 50, exact: 20 });
    expect(stored[0]?.evidence.exampleSpanIds.length).toBeGreaterThan(0);

    const second = await service.proposeFromLatestFit();
    expect(outcomeOf(second, workload)).toEqual({ workload, status: 'skipped', why: 'an open diff already proposes this route' });
    expect(await diffs.list({ environment, workload, limit: 10 })).toHaveLength(1);
  });

  it('proposes again on a new active version: a proposal left on an older version does not block it, and is superseded', async () => {
    const { environment, workload, versionId } = await seed();
    const service = serviceFor(environment, { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) });
    const first = await service.proposeFromLatestFit();
    const stale = outcomeOf(first, workload);
    // Someone publishes another version (same routes): the open proposal can no longer be approved.
    const next = await versions.create({ parentId: versionId, createdBy: 'bob', reason: 'unrelated change', document: parentOf({ defaultRoute: 'gpt-4', routes: { [workload]: 'gpt-4' } }) });
    await versions.activate(environment, next.id, 'bob', null);
    const second = await service.proposeFromLatestFit();
    expect(outcomeOf(second, workload)).toMatchObject({ status: 'proposed', superseded: [stale?.status === 'proposed' ? stale.diffId : 'none'] });
    const open = await diffs.list({ environment, workload, status: 'proposed', limit: 10 });
    expect(open.map((d) => d.parentVersionId)).toEqual([next.id]);
  });

  it('proposes nothing for a workload while a canary rolls out on it, nor its rolled-back route again before the evidence grows by half', async () => {
    const { environment, workload } = await seed();
    const service = serviceFor(environment, { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) });
    const first = outcomeOf(await service.proposeFromLatestFit(), workload);
    const id = first?.status === 'proposed' ? first.diffId : '';
    expect((await diffs.transition(id, 'approved', 'reviewer', 'ok')).ok).toBe(true);
    expect((await diffs.transition(id, 'canary_started', 'reviewer')).ok).toBe(true);
    expect(outcomeOf(await service.proposeFromLatestFit(), workload)).toEqual({ workload, status: 'skipped', why: `waiting for the canary of ${id} to end` });
    expect((await diffs.transition(id, 'rolled_back', 'canary', 'worse')).ok).toBe(true);
    // Rolled back on these very scores: not again until there are half as many more.
    expect(outcomeOf(await service.proposeFromLatestFit(), workload)).toMatchObject({ status: 'skipped', why: expect.stringMatching(new RegExp(`^the canary of ${id} rolled back this route on 529 scored samples; it is proposed again from 794 \\(now 529\\)$`)) as unknown });
    const grown = groups(workload).map((g) => (g.model === 'yi-34b' ? { ...g, n: 500, nBySource: { judge: 500 } } : g));
    const later = serviceFor(environment, { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: grown });
    expect(outcomeOf(await later.proposeFromLatestFit(), workload)).toMatchObject({ status: 'proposed' });
  });

  it("projects the spend change per month from the workload's live requests of the last 7 days", async () => {
    const { environment, workload } = await seed();
    const now = Date.now();
    const hours = (h: number): Date => new Date(now - h * 3_600_000);
    // Besides the 40 replayable requests of the last minute: 20 more live ones back to 3.5 days ago,
    // and three that do not count (older than a week, the judge's own call, an internal one).
    await handle.db.insert(spans).values([
      ...Array.from({ length: 20 }, (_, i) => buildSpanRow({ workload, model: 'gpt-4', startedAt: hours(84 - i) })),
      buildSpanRow({ workload, model: 'gpt-4', startedAt: hours(24 * 8) }),
      buildSpanRow({ workload, model: 'gpt-4', startedAt: hours(1), origin: 'judge' }),
      buildSpanRow({ workload, model: 'gpt-4', startedAt: hours(1), internal: true }),
    ]);
    const service = serviceFor(environment, { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) });

    expect(outcomeOf(await service.proposeFromLatestFit(), workload)).toMatchObject({ status: 'proposed' });
    const [stored] = await diffs.list({ environment, workload, limit: 10 });
    // 60 requests over 3.5 days: 60 × 30 / 3.5 ≈ 514 a month, each $0.009 cheaper.
    expect(stored?.predicted.monthlyUsd).toBeCloseTo((-0.009 * 60 * 30) / 3.5, 1);
    expect(stored?.summary).toContain("Cost −90%, about −$5/month at last week's volume.");
  });

  it('says how many more scored samples a cheaper route held back by its interval needs', async () => {
    const { environment, workload } = await seed();
    // yi-34b predicts 0.885 ± 0.02 against a floor of 0.882: its point clears the floor, its lower bound (0.865) does not.
    const models = fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.885) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }, 0.02);
    const summary = await serviceFor(environment, { models, groups: groups(workload) }).proposeFromLatestFit();
    // ±0.02 must shrink to ±0.003: (0.02 / 0.003)² = 44.4 times the 200 scores yi-34b has, so about 8,690 more.
    const outcome = outcomeOf(summary, workload);
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome?.status === 'skipped' && outcome.why).toMatch(
      /^not enough data yet: about 86(89|90) more scored samples of yi-34b needed for the interval to clear the floor 0\.882 \(candidate yi-34b: predicted 0\.885, lower bound 0\.865\)$/,
    );
    expect(await diffs.list({ environment, workload, limit: 10 })).toEqual([]);

    // Without the model's sample count in the fit summary, it still says what is missing, without a number.
    const unknown = await serviceFor(environment, { models, groups: [] }).proposeFromLatestFit();
    const why = outcomeOf(unknown, workload);
    expect(why?.status === 'skipped' && why.why).toMatch(/^not enough data yet: more scored samples of yi-34b needed for the interval to clear the floor 0\.882/);
  });

  it('auto-approves its own diff as the gateway would: only when the workload opts in, within its allowed drop, on the active version', async () => {
    const cheap = (workload: string): ProposalFit => ({ models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) });
    const options = (environment: string, autoApprove: Record<string, { maxQualityDrop: number }>) => ({
      environment,
      catalog,
      models: ['gpt-4', 'yi-34b'],
      minSamples: 30,
      samplesPerWorkload: 100,
      windowMs: 3_600_000,
      autoApprove,
    });

    // The predicted quality interval reaches about −1.4 points: within a 2-point allowance…
    const a = await seed();
    const approving = new ProposalService(versions, diffs, samples, volumes, () => cheap(a.workload), options(a.environment, { [a.workload]: { maxQualityDrop: 0.02 } }));
    expect(outcomeOf(await approving.proposeFromLatestFit(), a.workload)).toMatchObject({ status: 'proposed', autoApproved: true });
    const [approved] = await diffs.list({ environment: a.environment, workload: a.workload, limit: 10 });
    expect(approved?.status).toBe('approved');
    const events = await diffs.events(approved?.id ?? '');
    expect(events.map((e) => [e.action, e.actor])).toEqual([
      ['proposed', 'optimizer'],
      ['approved', 'auto-approve'],
    ]);
    expect(events[1]?.comment).toMatch(/^auto-approved: predicted quality interval's low end -1\.\d\d pts is within the allowed drop of 2\.00 pts$/);
    expect(events[1]?.details).toEqual({ maxQualityDrop: 0.02, predictedQualityLow: approved?.predicted.quality.low });

    // …not within half a point, and not for a workload that did not opt in (the default: no settings).
    const b = await seed();
    const strict = new ProposalService(versions, diffs, samples, volumes, () => cheap(b.workload), options(b.environment, { [b.workload]: { maxQualityDrop: 0.005 } }));
    expect(outcomeOf(await strict.proposeFromLatestFit(), b.workload)).toMatchObject({ status: 'proposed', autoApproved: false });
    const c = await seed();
    expect(outcomeOf(await serviceFor(c.environment, cheap(c.workload)).proposeFromLatestFit(), c.workload)).toMatchObject({ status: 'proposed', autoApproved: false });
    for (const { environment, workload } of [b, c]) expect((await diffs.list({ environment, workload, limit: 10 })).map((d) => d.status)).toEqual(['proposed']);
  });

  it('does not auto-approve a diff whose parent stopped being the active version while the run searched', async () => {
    const { environment, workload, versionId } = await seed();
    const moved = await versions.create({ parentId: versionId, createdBy: 'test', reason: 'someone else', document: parentOf({ defaultRoute: 'gpt-4' }) });
    let reads = 0;
    // Real repository; the other version is activated right after the run has read its parent.
    const racing = {
      getActive: async (env: string) => {
        const active = await versions.getActive(env);
        if (++reads === 1) await versions.activate(environment, moved.id, 'alice', null);
        return active;
      },
    };
    const fit: ProposalFit = { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) };
    const service = new ProposalService(racing, diffs, samples, volumes, () => fit, {
      environment,
      catalog,
      models: ['gpt-4', 'yi-34b'],
      minSamples: 30,
      samplesPerWorkload: 100,
      windowMs: 3_600_000,
      autoApprove: { [workload]: { maxQualityDrop: 0.05 } },
    });
    expect(outcomeOf(await service.proposeFromLatestFit(), workload)).toMatchObject({ status: 'proposed', autoApproved: false });
    const [stored] = await diffs.list({ environment, workload, limit: 10 });
    expect(stored).toMatchObject({ status: 'proposed', parentVersionId: versionId });
  });

  it('proposes nothing when the cheap model is worse', async () => {
    const { environment, workload } = await seed();
    const service = serviceFor(environment, { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.6) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) });

    const summary = await service.proposeFromLatestFit();
    expect(outcomeOf(summary, workload)).toMatchObject({ status: 'skipped' });
    expect(await diffs.list({ environment, workload, limit: 10 })).toEqual([]);
  });

  it("applies the workload's configured quality floor", async () => {
    const { environment, workload } = await seed();
    const fit = { models: fitted({ 'gpt-4': flat(0.97), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: groups(workload) };
    const options = { environment, catalog, models: ['gpt-4', 'yi-34b'], minSamples: 30, samplesPerWorkload: 100, windowMs: 3_600_000 };
    // 0.9 is 93% of the incumbent: under an absolute floor of 0.95 for this workload, no proposal…
    const strict = new ProposalService(versions, diffs, samples, volumes, () => fit, { ...options, qualityFloor: { default: { kind: 'relative', share: 0.5 }, [workload]: { kind: 'absolute', min: 0.95 } } });
    expect(outcomeOf(await strict.proposeFromLatestFit(), workload)).toMatchObject({ status: 'skipped' });
    // …while a lenient default floor (the workload has none of its own) lets the cheap model through.
    const lenient = new ProposalService(versions, diffs, samples, volumes, () => fit, { ...options, qualityFloor: { default: { kind: 'relative', share: 0.9 } } });
    expect(outcomeOf(await lenient.proposeFromLatestFit(), workload)).toMatchObject({ status: 'proposed', reason: 'cheaper' });
  });

  it('skips a workload with fewer replayable requests than the minimum, and runs nothing without a fit or an active policy', async () => {
    const { environment, workload } = await seed();
    const fit: ProposalFit = { models: fitted({ 'gpt-4': flat(0.9), 'yi-34b': flat(0.9) }, { 'gpt-4': flat(0.01), 'yi-34b': flat(0.001) }), groups: [] };
    const strict = new ProposalService(versions, diffs, samples, volumes, () => fit, { environment, catalog, models: ['gpt-4', 'yi-34b'], minSamples: 41, samplesPerWorkload: 100, windowMs: 3_600_000 });
    expect(outcomeOf(await strict.proposeFromLatestFit(), workload)).toEqual({ workload, status: 'skipped', why: '40 replayable requests, fewer than 41' });
    expect(await new ProposalService(versions, diffs, samples, volumes, () => undefined, { environment, catalog, models: [], minSamples: 1, samplesPerWorkload: 1, windowMs: 1 }).proposeFromLatestFit()).toEqual({ status: 'no-fit' });
    expect(await serviceFor(fresh('test'), fit).proposeFromLatestFit()).toMatchObject({ status: 'no-active-policy' });
  });
});
