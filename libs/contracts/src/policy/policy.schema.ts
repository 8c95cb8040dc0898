import { z } from 'zod';
import { conditionSchema } from './condition.schema.js';
import { targetSchema } from './strategy.schema.js';

const modelId = z.string().min(1);
export const WORKLOAD_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const workloadName = z.string().regex(WORKLOAD_NAME, 'use 1-64 lower-case letters, digits, dot, dash or underscore');

/** Upstream error classes a route may fall back on. `context_length` moves only to a model with a larger window. */
export const fallbackTriggerSchema = z.enum(['rate_limited', 'server_error', 'timeout', 'connection', 'auth', 'content_filter', 'context_length']);
export type FallbackTrigger = z.infer<typeof fallbackTriggerSchema>;
export const DEFAULT_FALLBACK_ON: readonly FallbackTrigger[] = ['rate_limited', 'server_error', 'timeout', 'connection', 'auth'];

/** Estimated quality in [0, 1] per model id. */
const qualityMap = z.record(modelId, z.number().min(0).max(1));

export const routeRuleSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'use 1-64 letters, digits, dot, dash or underscore'),
    /** Absent on the last rule, which catches everything. */
    when: conditionSchema.optional(),
    target: targetSchema,
    /** Quality estimates for this rule's requests; override the workload's. */
    quality: qualityMap.optional(),
  })
  .strict();
export type RouteRule = z.infer<typeof routeRuleSchema>;

export const retryPolicySchema = z
  .object({
    /** Extra tries of the same deployment before moving down the fallback chain. */
    max: z.number().int().min(0).max(5).default(0),
    baseMs: z.number().int().positive().default(200),
    /** Cap on one backoff; a Retry-After longer than this moves on to the fallback instead of waiting. */
    maxMs: z.number().int().positive().default(5_000),
    on: z.array(z.enum(['rate_limited', 'server_error', 'connection'])).default(['rate_limited', 'server_error', 'connection']),
  })
  .strict();
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const canarySchema = z
  .object({
    /** Names the rollout, e.g. the policy diff it comes from. Recorded on every span it routes. */
    name: z.string().min(1).max(128),
    target: targetSchema,
    /** Share of traffic sent to the canary target. */
    share: z.number().min(0).max(1),
    /** Request features hashed to keep a caller on one side; without any, the split is random per request. */
    stickyKey: z.array(z.enum(['tenant', 'user'])).min(1).default(['tenant', 'user']),
  })
  .strict();
export type Canary = z.infer<typeof canarySchema>;

/**
 * How a workload's live traffic is measured. Sampling is deterministic by span id, so a replay of
 * the same spans samples the same ones.
 */
export const evaluationSettingsSchema = z
  .object({
    /** Share of live calls sent to the LLM judge. */
    sampleRate: z.number().min(0).max(1).default(0.05),
    /** Share of canary calls judged: a canary is measured more closely than the rest. */
    canarySampleRate: z.number().min(0).max(1).default(1),
    /** The judge rubric (a file under evals/rubrics, by name). */
    rubric: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/).default('helpfulness'),
    /** Counterfactual exploration: replay a share of the judged calls to other candidates, off the user's path. */
    shadow: z
      .object({
        /** Share of judged calls that are also shadowed. */
        rate: z.number().min(0).max(1).default(0),
        /** At most this many other models per shadowed call. */
        k: z.number().int().min(1).max(4).default(1),
        /** Models to explore; default: every chat candidate the route names. */
        models: z.array(modelId).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type EvaluationSettings = z.infer<typeof evaluationSettingsSchema>;

const routeObjectSchema = z
  .object({
    rules: z.array(routeRuleSchema).min(1),
    fallback: z
      .object({ models: z.array(modelId).default([]), on: z.array(fallbackTriggerSchema).default([...DEFAULT_FALLBACK_ON]) })
      .strict()
      .prefault({}),
    retries: retryPolicySchema.prefault({}),
    canary: canarySchema.optional(),
    /** Overrides the policy's `evaluation` for this route's workloads. */
    evaluation: evaluationSettingsSchema.optional(),
  })
  .strict()
  .superRefine((route, ctx) => {
    const last = route.rules.length - 1;
    route.rules.forEach((rule, i) => {
      if (i === last && rule.when) ctx.addIssue({ code: 'custom', path: ['rules', i, 'when'], message: 'the last rule must have no condition, so every request matches a rule' });
      if (i < last && !rule.when) ctx.addIssue({ code: 'custom', path: ['rules', i, 'when'], message: 'only the last rule may omit its condition' });
    });
    const names = new Set<string>();
    route.rules.forEach((rule, i) => {
      if (names.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name "${rule.name}"` });
      names.add(rule.name);
    });
  });

/**
 * A route. Shorthand: a model id, or an ordered list of model ids, means "the first available of
 * these, falling back down the list".
 */
export const routeSchema = z.preprocess((input) => {
  if (typeof input === 'string') return { rules: [{ name: 'default', target: { candidates: [input] } }] };
  if (Array.isArray(input)) return { rules: [{ name: 'default', target: { candidates: input } }], fallback: { models: input.slice(1) } };
  return input;
}, routeObjectSchema);
export type Route = z.infer<typeof routeObjectSchema>;
export type RouteInput = z.input<typeof routeObjectSchema> | string | string[];

export const workloadRuleSchema = z.object({ when: conditionSchema, workload: workloadName }).strict();

/** The fields of a policy document (see policyDocumentSchema). */
const policyFields = {
  /** Workload for requests that no header, key, alias or rule names. */
  defaultWorkload: workloadName.default('default'),
  /** Tried in order after the header, the key's default and the model alias. */
  workloadRules: z.array(workloadRuleSchema).default([]),
  /** The route of workloads that have none of their own. */
  defaultRoute: routeSchema,
  /** Per workload. */
  routes: z.record(workloadName, routeSchema).default({}),
  /** The route of `auto` embeddings calls. */
  embeddingRoute: routeSchema.optional(),
  /** Estimated quality per workload and model; `*` applies to every workload. The optimizer publishes these. */
  quality: z.record(z.union([workloadName, z.literal('*')]), qualityMap).default({}),
  /** Live sampling and exploration, for every route that sets none of its own. */
  evaluation: evaluationSettingsSchema.prefault({}),
  /** Output tokens assumed when estimating a request's cost and `max_tokens` is not set. */
  expectedOutputTokens: z.number().int().positive().default(256),
};

/** A policy without a canary of its own: what a canary rolls out. */
export const canaryPolicySchema = z.object(policyFields).strict();

/**
 * A policy rollout in progress: `share` of the traffic (sticky by tenant and user) is routed by the
 * whole `policy`, the rest by this document. Each canary step is a new version with a new share.
 */
export const policyCanarySchema = z
  .object({
    /** What is being rolled out, e.g. the policy diff's id; recorded on every span it routes. */
    name: z.string().min(1).max(128),
    share: z.number().min(0).max(1),
    stickyKey: z.array(z.enum(['tenant', 'user'])).min(1).default(['tenant', 'user']),
    policy: canaryPolicySchema,
  })
  .strict();
export type PolicyCanary = z.infer<typeof policyCanarySchema>;

/**
 * An immutable routing policy version: how a request finds its workload, and per workload the
 * route that picks a model. Stored as JSON in `policy_versions`; the gateway evaluates it per call.
 */
export const policyDocumentSchema = z
  .object({ ...policyFields, canary: policyCanarySchema.optional() })
  .strict();
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyDocumentInput = z.input<typeof policyDocumentSchema>;
