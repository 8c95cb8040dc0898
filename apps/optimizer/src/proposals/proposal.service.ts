import { isDeepStrictEqual } from 'node:util';
import { Logger } from '@nestjs/common';
import { type QualityFloor, qualityFloorOf } from '@switchyard/config';
import { jsonPatchOperationSchema, type PolicyDiffEvidence, type PolicyDiffReason, type PolicyDiffStatus, type PolicyDocument } from '@switchyard/contracts';
import type { PolicyDiffRepository, PolicyDiffRow, PolicyVersionRepository, ReplaySampleRepository, SpanRepository } from '@switchyard/db';
import { AUTO_APPROVE_ACTOR, autoApproveDecision, type AutoApproveSettings, type ModelCatalog } from '@switchyard/routing';
import jsonPatch from 'fast-json-patch';
import { requestFeaturesOf } from '../features/quality-features.js';
import type { DriftFinding } from '../models/drift.monitor.js';
import type { ModelFit } from '../models/model-fit.service.js';
import type { QualityGroupSummary } from '../models/quality.model.js';
import { buildDiff } from './diff-builder.js';
import type { FittedModels } from './fitted-models.js';
import { monthlyRequestsOf, VOLUME_WINDOW_MS } from './monthly-volume.js';
import type { ReplaySample } from './policy-replay.js';
import { describeCandidate } from './candidate-route.js';
import { type DataShortfall, searchRoute } from './route-search.js';

/** What a proposal run needs of the latest fit: the models to replay with, and the scored samples per workload × model for the evidence. */
export interface ProposalFit {
  /** The models routes are chosen with. */
  models: FittedModels;
  /** Models fitted on the other half of the scores, which the chosen route's numbers come from; absent: `models` give both. */
  estimate?: FittedModels;
  /** Workload × model pairs whose recent scores dropped. */
  drift?: readonly DriftFinding[];
  groups: readonly Pick<QualityGroupSummary, 'workload' | 'model' | 'n' | 'nBySource' | 'nByScorer'>[];
}

/** Adapts a model fit: `QualityModel` and `CostModel` already satisfy the predictor interfaces. */
export function proposalFitOf(fit: ModelFit): ProposalFit {
  const shared = {
    cost: fit.cost,
    latencyP95Ms: (model: string) => {
      const h = fit.latency.get(model);
      return h && h.n > 0 ? h.quantile(0.95) : undefined;
    },
  };
  const before = fit.beforeDrift;
  return {
    models: { ...shared, quality: fit.crossFit.selection, ...(before && { qualityBeforeDrift: before.selection }) },
    estimate: { ...shared, quality: fit.crossFit.estimate, ...(before && { qualityBeforeDrift: before.estimate }) },
    drift: fit.drift,
    groups: fit.summary.quality,
  };
}

export interface ProposalServiceOptions {
  environment: string;
  catalog: ModelCatalog;
  /** Models a proposal may route to. */
  models: readonly string[];
  /** Replayable requests a workload needs before it is searched. */
  minSamples: number;
  /** Requests replayed per workload, newest first. */
  samplesPerWorkload: number;
  /** How far back requests are replayed from. */
  windowMs: number;
  /** Per workload, else `default`; the search's own default (98% of the incumbent) when neither is set. */
  qualityFloor?: Readonly<Record<string, QualityFloor>>;
  latencySloP95Ms?: number;
  /** `optimizer.autoApprove`: per workload, the predicted quality drop a diff may have and skip review. Empty: off. */
  autoApprove?: AutoApproveSettings;
}

export type WorkloadProposalOutcome =
  | { workload: string; status: 'proposed'; diffId: string; reason: PolicyDiffReason; summary: string; superseded: string[]; autoApproved: boolean }
  | { workload: string; status: 'skipped'; why: string };

export type ProposalRunSummary = { status: 'no-fit' } | { status: 'no-active-policy'; environment: string } | { status: 'ran'; parentVersionId: string; workloads: WorkloadProposalOutcome[] };

/** Diffs still in flight: a new one with the same route would only repeat them. */
const OPEN_STATUSES: readonly PolicyDiffStatus[] = ['proposed', 'approved', 'canary'];
const CREATED_BY = 'optimizer';
/** A route a canary rolled back is proposed again once the workload's scored samples are this many times those it was proposed on. */
const REPROPOSE_GROWTH = 1.5;
const EXAMPLE_SPANS = 10;

type Versions = Pick<PolicyVersionRepository, 'getActive'>;
type Diffs = Pick<PolicyDiffRepository, 'propose' | 'list' | 'transition'>;
type Samples = Pick<ReplaySampleRepository, 'recent'>;
type Volumes = Pick<SpanRepository, 'liveVolume'>;

/**
 * After a refit, searches each workload with enough recent requests for a better route and stores
 * what it finds as a proposed policy diff on the active version. A workload whose open diff already
 * proposes the same route is skipped, so refits without news do not spam reviewers.
 */
export class ProposalService {
  private readonly logger = new Logger(ProposalService.name);

  constructor(
    private readonly versions: Versions,
    private readonly diffs: Diffs,
    private readonly samples: Samples,
    private readonly volumes: Volumes,
    private readonly latestFit: () => ProposalFit | undefined,
    private readonly options: ProposalServiceOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async proposeFromLatestFit(): Promise<ProposalRunSummary> {
    const fit = this.latestFit();
    if (!fit) return { status: 'no-fit' };
    const { environment } = this.options;
    const active = await this.versions.getActive(environment);
    if (!active) return { status: 'no-active-policy', environment };
    const parent = active.version.document;

    const now = this.now();
    const rows = await this.samples.recent({ since: new Date(now.getTime() - this.options.windowMs), perWorkload: this.options.samplesPerWorkload });
    const byWorkload = new Map<string, { samples: ReplaySample[]; spanIds: string[] }>();
    for (const row of rows) {
      const features = requestFeaturesOf(row.requestBody);
      if (!features) continue;
      let group = byWorkload.get(row.workload);
      if (!group) byWorkload.set(row.workload, (group = { samples: [], spanIds: [] }));
      group.samples.push({ workload: row.workload, features });
      group.spanIds.push(row.spanId);
    }

    const volumes = await this.volumes.liveVolume({ since: new Date(now.getTime() - VOLUME_WINDOW_MS), until: now });
    const monthly = new Map(volumes.map((v) => [v.workload, monthlyRequestsOf(v)]));

    const outcomes: WorkloadProposalOutcome[] = [];
    for (const [workload, group] of [...byWorkload].sort((a, b) => a[0].localeCompare(b[0]))) {
      outcomes.push(await this.proposeFor(workload, group, parent, active.version.id, fit, monthly.get(workload)));
    }
    const proposed = outcomes.filter((o) => o.status === 'proposed').length;
    this.logger.log(`proposal run on ${active.version.id}: ${proposed} proposed, ${outcomes.length - proposed} skipped`);
    for (const o of outcomes)
      this.logger.log(o.status === 'proposed' ? `${o.workload}: proposed ${o.diffId}${o.autoApproved ? ' (auto-approved)' : ''}: ${o.summary}` : `${o.workload}: skipped: ${o.why}`);
    return { status: 'ran', parentVersionId: active.version.id, workloads: outcomes };
  }

  private async proposeFor(
    workload: string,
    group: { samples: ReplaySample[]; spanIds: string[] },
    parent: PolicyDocument,
    parentVersionId: string,
    fit: ProposalFit,
    monthlyRequests: number | undefined,
  ): Promise<WorkloadProposalOutcome> {
    const skipped = (why: string): WorkloadProposalOutcome => ({ workload, status: 'skipped', why });
    if (group.samples.length < this.options.minSamples) return skipped(`${group.samples.length} replayable requests, fewer than ${this.options.minSamples}`);
    // Its outcome replaces the active version either way, which would supersede anything proposed now;
    // and the live route mixes both arms, so "was" would name the canary's model as the incumbent.
    const rollout = (await this.diffs.list({ environment: this.options.environment, status: 'canary', workload, limit: 1 })).at(0);
    if (rollout) return skipped(`waiting for the canary of ${rollout.id} to end`);
    let result: ReturnType<typeof searchRoute>;
    try {
      const floor = qualityFloorOf(this.options.qualityFloor ?? {}, workload);
      result = searchRoute({
        workload,
        parent,
        catalog: this.options.catalog,
        samples: group.samples,
        models: this.options.models,
        fitted: fit.models,
        ...(fit.estimate && { estimate: fit.estimate }),
        ...(fit.drift && { drift: fit.drift }),
        floor,
        ...(this.options.latencySloP95Ms !== undefined && { latencySloP95Ms: this.options.latencySloP95Ms }),
      });
    } catch (err) {
      // One workload the catalog cannot route (e.g. renamed since) must not stop the others.
      return skipped(`search failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (result.kind === 'none') return skipped(result.shortfall && result.floor !== undefined ? this.notEnoughData(workload, result.shortfall, result.floor, fit) : result.why);

    const route = result.document.routes[workload];
    if (await this.alreadyOpen(workload, route, parentVersionId)) return skipped('an open diff already proposes this route');
    const involved = [...Object.keys(result.replay.incumbent.models), ...Object.keys(result.replay.candidate.models)];
    const evidence = this.evidenceOf(workload, fit, group.spanIds, involved);
    const refuted = await this.rolledBackOnSameEvidence(workload, route, evidence);
    if (refuted) return skipped(refuted);

    const patch = jsonPatchOperationSchema.array().parse(jsonPatch.compare(parent, result.document));
    if (patch.length === 0) return skipped('the proposed route equals the active one');
    const diff = buildDiff({ proposal: result, evidence, ...(monthlyRequests !== undefined && { monthlyRequests }) });
    const stored = await this.diffs.propose({ environment: this.options.environment, parentVersionId, patch, createdBy: CREATED_BY, ...diff });
    const autoApproved = await this.maybeAutoApprove(stored.diff);
    return { workload, status: 'proposed', diffId: stored.diff.id, reason: diff.reason, summary: diff.summary, superseded: stored.superseded, autoApproved };
  }

  /** The gateway's rule for diffs posted to its admin API, applied to the optimizer's own. */
  private async maybeAutoApprove(diff: PolicyDiffRow): Promise<boolean> {
    const decision = autoApproveDecision(diff, this.options.autoApprove ?? {});
    if (!decision.approve) return false;
    const active = await this.versions.getActive(this.options.environment);
    // The policy moved while this run searched: approving would undo that move; the next run re-proposes.
    if (active?.version.id !== diff.parentVersionId) return false;
    const moved = await this.diffs.transition(diff.id, 'approved', AUTO_APPROVE_ACTOR, decision.comment, { details: decision.details });
    if (moved.ok) this.logger.log(`auto-approved policy diff ${diff.id}: ${decision.comment}`);
    return moved.ok;
  }

  /**
   * A fit's interval narrows as 1/√n in its scored samples, so shrinking it to a share s of its
   * width takes n/s² samples: n(1/s² − 1) more, as long as new scores look like the old ones.
   */
  private notEnoughData(workload: string, shortfall: DataShortfall, floor: number, fit: ProposalFit): string {
    const { model, shrinkTo } = shortfall;
    const candidate = `(candidate ${describeCandidate(shortfall.candidate)}: predicted ${shortfall.quality.toFixed(3)}, lower bound ${shortfall.qualityLow.toFixed(3)})`;
    const target = `the floor ${floor.toFixed(3)}`;
    if (shrinkTo === undefined) return `a cheaper route's interval is too wide to clear ${target}, and more scored samples of ${model} alone would not narrow it enough ${candidate}`;
    const n = fit.groups.find((g) => g.workload === workload && g.model === model)?.n ?? 0;
    if (n <= 0) return `not enough data yet: more scored samples of ${model} needed for the interval to clear ${target} ${candidate}`;
    const more = Math.max(1, Math.ceil(n * (1 / (shrinkTo * shrinkTo) - 1)));
    return `not enough data yet: about ${more} more scored samples of ${model} needed for the interval to clear ${target} ${candidate}`;
  }

  /**
   * An approved or rolling-out diff with this route, whatever its parent; or a proposed one against
   * the active version. A proposal against an older version is stale (it could not be approved):
   * it must not block a fresh one, which supersedes it.
   */
  private async alreadyOpen(workload: string, route: unknown, parentVersionId: string): Promise<boolean> {
    for (const status of OPEN_STATUSES) {
      const open = await this.diffs.list({ environment: this.options.environment, status, workload, limit: 50 });
      const blocking = open.filter((d) => status !== 'proposed' || d.parentVersionId === parentVersionId);
      if (blocking.some((d) => isDeepStrictEqual(d.proposedDocument.routes[workload], route))) return true;
    }
    return false;
  }

  /**
   * Why not to propose a route whose canary rolled back, while the scores it would rest on are mostly
   * the ones it rested on then: the live measurement already outweighed them. It comes back once the
   * workload's scored samples have grown by half since that diff.
   */
  private async rolledBackOnSameEvidence(workload: string, route: unknown, evidence: PolicyDiffEvidence): Promise<string | undefined> {
    const total = (e: PolicyDiffEvidence): number => Object.values(e.samplesPerModel).reduce((sum, n) => sum + n.judge + n.golden + n.shadow + n.feedback, 0);
    const now = total(evidence);
    const rolledBack = await this.diffs.list({ environment: this.options.environment, status: 'rolled_back', workload, limit: 50 });
    const same = rolledBack.find((d) => isDeepStrictEqual(d.proposedDocument.routes[workload], route) && now < REPROPOSE_GROWTH * total(d.evidence));
    if (!same) return undefined;
    return `the canary of ${same.id} rolled back this route on ${total(same.evidence)} scored samples; it is proposed again from ${Math.ceil(REPROPOSE_GROWTH * total(same.evidence))} (now ${now})`;
  }

  /**
   * `samplesPerModel` lists every model of the workload's fit; `scorerMix` adds up the scorers of
   * only the models the change involves (the incumbent's and the candidate's), the same models the
   * summary's sample count is over.
   */
  private evidenceOf(workload: string, fit: ProposalFit, spanIds: readonly string[], involved: readonly string[]): PolicyDiffEvidence {
    const samplesPerModel: PolicyDiffEvidence['samplesPerModel'] = {};
    const scorerMix: PolicyDiffEvidence['scorerMix'] = {};
    const models = new Set(involved);
    for (const g of fit.groups) {
      if (g.workload !== workload) continue;
      const n = g.nBySource;
      samplesPerModel[g.model] = { judge: n.judge ?? 0, golden: n.golden ?? 0, shadow: n.shadow ?? 0, feedback: n.feedback ?? 0 };
      if (!models.has(g.model)) continue;
      for (const [scorer, count] of Object.entries(g.nByScorer)) scorerMix[scorer] = (scorerMix[scorer] ?? 0) + count;
    }
    return { samplesPerModel, scorerMix, exampleSpanIds: spanIds.slice(0, EXAMPLE_SPANS) };
  }
}
