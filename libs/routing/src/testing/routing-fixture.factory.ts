import type { PolicyDocumentInput, TargetInput } from '@switchyard/contracts';
import type { DeploymentSnapshot, LiveState } from '../live-state.js';
import { buildCatalog, type CatalogModel, type ModelCatalog } from '../model-catalog.js';
import { type CompiledPolicy, compilePolicy } from '../policy.compiler.js';
import { validatePolicy } from '../policy.validator.js';
import type { RequestFeatures, Rng } from '../request-features.js';

/** Spec-only builders: catalogs, live snapshots and features as plain data. */

export const chatModel = (id: string, inputUsdPerMTok: number, outputUsdPerMTok: number, contextWindow = 128_000): CatalogModel => ({
  id,
  kind: 'chat',
  inputUsdPerMTok,
  outputUsdPerMTok,
  contextWindow,
});

/**
 * Prices chosen so a 1,000-token prompt with 256 expected output tokens costs, in USD:
 * tiny 0.00015 (small window), cheap 0.0002, cheap-plus 0.00021 (5% above cheap), thrifty 0.00022 (10%),
 * budget 0.00025 (25%), mid 0.001, premium 0.005, frontier 0.015.
 */
export const MODELS: readonly CatalogModel[] = [
  chatModel('tiny', 0.1, 0.1953125, 4_096),
  chatModel('cheap', 0.1, 0.390625),
  chatModel('cheap-plus', 0.105, 0.41015625),
  chatModel('thrifty', 0.11, 0.4296875),
  chatModel('budget', 0.125, 0.48828125),
  chatModel('mid', 0.5, 1.953125),
  chatModel('premium', 2.5, 9.765625, 200_000),
  chatModel('frontier', 7.5, 29.296875, 1_000_000),
  { id: 'embed-small', kind: 'embedding', inputUsdPerMTok: 0.02, outputUsdPerMTok: 0, contextWindow: 8_192 },
];

export const catalog = (workloads: readonly string[] = []): ModelCatalog => buildCatalog(MODELS, workloads);

export const snapshot = (over: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot => ({
  available: true,
  breaker: 'closed',
  samples: 100,
  errorRate: 0,
  inFlight: 0,
  ...over,
});

/** A live state holding the given snapshots; models left out are cold (unknown). */
export const liveState = (snaps: Readonly<Record<string, Partial<DeploymentSnapshot>>>): LiveState => {
  const map = new Map(Object.entries(snaps).map(([id, s]) => [id, snapshot(s)]));
  return { get: (model) => map.get(model) };
};

export const features = (over: Partial<RequestFeatures> = {}): RequestFeatures => ({
  operation: 'chat',
  requestedModel: 'auto',
  inputTokens: 1_000,
  messageCount: 2,
  hasTools: false,
  hasImages: false,
  jsonMode: false,
  stream: false,
  hasCode: false,
  nonLatinShare: 0,
  systemPrompt: '',
  ...over,
});

/** Validates, then compiles; a spec's policy that fails validation is a broken spec. */
export const compile = (doc: PolicyDocumentInput, cat: ModelCatalog = catalog(), version = 'v1'): CompiledPolicy => {
  const v = validatePolicy(doc, cat);
  if (!v.ok) throw new Error(`invalid spec policy: ${JSON.stringify(v.issues)}`);
  return compilePolicy(v.policy, cat, version);
};

/** A policy whose default route is one unconditional rule with this target. */
export const singleTarget = (target: TargetInput, extra: Partial<PolicyDocumentInput> = {}): CompiledPolicy =>
  compile({ defaultRoute: { rules: [{ name: 'all', target }] }, ...extra });

/** Counts how often each value occurs. */
export const tally = (values: Iterable<string | undefined>): Map<string | undefined, number> => {
  const counts = new Map<string | undefined, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
};

/** The rng for decisions that must not draw a random number: a draw fails the spec. */
export const noDraws: Rng = () => {
  throw new Error('this decision must not draw a random number');
};
