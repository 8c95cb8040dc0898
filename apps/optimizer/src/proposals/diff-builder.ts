import type { PolicyDiffDeltas, PolicyDiffEvidence, PolicyDiffReason, PolicyDocument } from '@switchyard/contracts';
import { describeDrift } from '../models/drift.monitor.js';
import type { CandidateRoute } from './candidate-route.js';
import type { RouteProposal } from './route-search.js';

export interface DiffBuildInput {
  proposal: RouteProposal;
  /** Scored samples behind the fits, per model and source; the summary counts the models involved. */
  evidence: PolicyDiffEvidence;
  /** Requests per month at last week's volume, for the projected spend change. */
  monthlyRequests?: number;
}

/** Everything of a new policy diff the optimizer decides; the service adds the parent version and stores it. */
export interface ProposedDiff {
  proposedDocument: PolicyDocument;
  workloads: string[];
  summary: string;
  predicted: PolicyDiffDeltas;
  evidence: PolicyDiffEvidence;
  reason: PolicyDiffReason;
}

const MINUS = '\u2212';
const signed = (v: number, digits: number): string => {
  const s = Math.abs(v).toFixed(digits);
  if (Number(s) === 0) return `${(0).toFixed(digits)}`;
  return `${v < 0 ? MINUS : '+'}${s}`;
};
/** Quality deltas are absolute on the [0, 1] scale; shown as points, e.g. −0.004 → "−0.4%". */
const points = (v: number): string => `${signed(v * 100, 1)}%`;
const usd = (v: number): string => `${v < 0 ? MINUS : '+'}$${Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

/** The models the incumbent served the replayed requests with, most used first. */
const incumbentModels = (models: Readonly<Record<string, number>>): string[] =>
  Object.entries(models)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([m]) => m);

function describeChange(c: CandidateRoute, was: readonly string[]): string {
  if (c.kind === 'single') return `route all prompts to ${c.model}`;
  const rest = was.length === 1 && was[0] === c.above ? '' : `, the rest to ${c.above}`;
  return `route prompts under ${c.threshold} input tokens to ${c.below}${rest}`;
}

const SOURCES = ['judge', 'golden', 'shadow', 'feedback'] as const;

function scoredSamples(evidence: PolicyDiffEvidence, models: Iterable<string>): string {
  const bySource = { judge: 0, golden: 0, shadow: 0, feedback: 0 };
  for (const m of new Set(models)) {
    const counts = evidence.samplesPerModel[m];
    if (counts) for (const s of SOURCES) bySource[s] += counts[s];
  }
  const total = SOURCES.reduce((sum, s) => sum + bySource[s], 0);
  const parts = SOURCES.filter((s) => bySource[s] > 0).map((s) => `${s} ${bySource[s]}`);
  return `${total} scored samples${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Turns a route proposal into a policy diff: the parent document with the workload's route
 * replaced, the predicted deltas in the contract's shape, and the one-line summary a reviewer
 * reads first, e.g. "winogrande: route prompts under 300 input tokens to yi-34b (was gpt-4).
 * Expected quality −0.4% [−1.1%, +0.3%] on 412 scored samples (judge 380, golden 32). Cost −61%."
 */
export function buildDiff(input: DiffBuildInput): ProposedDiff {
  const { proposal, evidence, monthlyRequests } = input;
  const { replay, candidate, workload } = proposal;
  const was = incumbentModels(replay.incumbent.models);
  const monthlyUsd = monthlyRequests === undefined ? undefined : replay.cost.delta * monthlyRequests;
  const predicted: PolicyDiffDeltas = {
    quality: { ...replay.quality },
    costPerRequest: { ...replay.cost },
    ...(monthlyUsd === undefined ? {} : { monthlyUsd }),
  };

  const sentences = [
    `${workload}: ${describeChange(candidate, was)} (was ${was.join(', ')}).`,
    `Expected quality ${points(replay.quality.delta)} [${points(replay.quality.low)}, ${points(replay.quality.high)}] on ${scoredSamples(evidence, [...was, ...Object.keys(replay.candidate.models)])}.`,
    `Cost ${signed(replay.cost.relative * 100, 0)}%${monthlyUsd === undefined ? '' : `, about ${usd(monthlyUsd)}/month at last week's volume`}.`,
  ];
  if (proposal.reason === 'drift')
    sentences.push(
      `Drift: the current route's predicted quality (lower bound ${(replay.incumbent.qualityLow * 100).toFixed(1)}%) is below the floor ${(proposal.floor * 100).toFixed(1)}%${
        proposal.driftFindings.length > 0 ? `: ${proposal.driftFindings.map(describeDrift).join('; ')}` : ''
      }.`,
    );

  return { proposedDocument: proposal.document, workloads: [workload], summary: sentences.join(' '), predicted, evidence, reason: proposal.reason };
}
