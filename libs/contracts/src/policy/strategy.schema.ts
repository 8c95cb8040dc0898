import { z } from 'zod';

const modelId = z.string().min(1);
const share = z.number().min(0).max(1);

/**
 * Filters narrow a target's candidates, in order, before its selector picks one. A filter that
 * would leave nothing makes the target yield no candidate, and the route's fallback chain serves.
 */
export const filterSchema = z.discriminatedUnion('kind', [
  /** Keep candidates whose estimated quality for the workload is at least `min`; unknown quality fails. */
  z.object({ kind: z.literal('quality_floor'), min: z.number().min(0).max(1) }).strict(),
  /** Keep candidates whose estimated cost for this request is at most `maxUsd`. */
  z.object({ kind: z.literal('cost_ceiling'), maxUsd: z.number().nonnegative() }).strict(),
  /** Keep candidates whose rolling p95 latency is at most `p95Ms`; candidates without data pass. */
  z.object({ kind: z.literal('latency_slo'), p95Ms: z.number().positive() }).strict(),
  /** Keep the cheapest, and any within `within` (relative, 0.1 = 10%) of it. */
  z.object({ kind: z.literal('cheapest'), within: z.number().nonnegative().default(0) }).strict(),
  /** Keep the best estimated quality, and any within `within` (absolute) of it. */
  z.object({ kind: z.literal('best_quality'), within: z.number().nonnegative().default(0) }).strict(),
  /** Keep the `k` lowest-p95 candidates; candidates without data count as fastest, so they get tried. */
  z.object({ kind: z.literal('fastest'), k: z.number().int().positive() }).strict(),
]);
export type Filter = z.infer<typeof filterSchema>;

/** The final pick among what the filters left. Each kind is one strategy class in libs/routing. */
export const selectorSchema = z.discriminatedUnion('kind', [
  /** The first available candidate, in the listed order. */
  z.object({ kind: z.literal('first') }).strict(),
  z.object({ kind: z.literal('round_robin') }).strict(),
  /** Weights per model id; models left out get 0. Also carries canary splits. */
  z.object({ kind: z.literal('weighted'), weights: z.record(modelId, z.number().nonnegative()) }).strict(),
  /**
   * Lowest rolling p95 among candidates with at least `minSamples` samples. Candidates with fewer
   * get `warmupShare` of the traffic between them until they have data.
   */
  z.object({ kind: z.literal('latency'), minSamples: z.number().int().positive().default(20), warmupShare: share.default(0.1) }).strict(),
  /** Fewest requests in flight. */
  z.object({ kind: z.literal('least_busy') }).strict(),
  /** Cheapest estimated cost for this request among candidates whose quality is at least `minQuality`. */
  z.object({ kind: z.literal('cost'), minQuality: z.number().min(0).max(1).optional() }).strict(),
  /** Highest estimated quality within a cost ceiling and a p95 latency SLO. */
  z.object({ kind: z.literal('quality'), maxUsd: z.number().nonnegative().optional(), p95Ms: z.number().positive().optional() }).strict(),
  /** Send to the `k` fastest candidates at once; the first complete answer wins, the others are cancelled. */
  z.object({ kind: z.literal('race'), k: z.number().int().min(2).max(4).default(2) }).strict(),
]);
export type Selector = z.infer<typeof selectorSchema>;
export type SelectorKind = Selector['kind'];

/** A strategy over candidate models: a pipeline of filters, then a selector. */
export const targetSchema = z
  .object({
    candidates: z.array(modelId).min(1),
    filters: z.array(filterSchema).default([]),
    select: selectorSchema.default({ kind: 'first' }),
  })
  .strict();
export type Target = z.infer<typeof targetSchema>;
export type TargetInput = z.input<typeof targetSchema>;
