import { z } from 'zod';

/*
 * `GET /admin/deployments`: this gateway instance's live state per configured deployment. Strict,
 * so that a field the live-state service adds or renames without this contract fails the e2e check.
 */

export const breakerStateSchema = z.enum(['closed', 'open', 'half_open']);
export type BreakerStateName = z.infer<typeof breakerStateSchema>;

/** What routing reads: availability, rolling latency and error rate, load, a 429 cool-down. */
export const deploymentLiveSnapshotSchema = z
  .object({
    /** False while the breaker is open, during a 429 cool-down, or half-open with every probe slot taken. */
    available: z.boolean(),
    breaker: breakerStateSchema,
    /** Calls completed inside the rolling window. */
    samples: z.number().int(),
    /** Latency quantiles over the window in ms; absent until the window holds a sample. */
    p50Ms: z.number().optional(),
    p95Ms: z.number().optional(),
    p99Ms: z.number().optional(),
    /** Time to first token, p95 over the window's streamed calls. */
    ttftP95Ms: z.number().optional(),
    /** Failed / completed over the window (0 when empty). */
    errorRate: z.number(),
    inFlight: z.number().int(),
    /** Epoch ms until which a 429 keeps the deployment out of rotation. */
    cooldownUntil: z.number().optional(),
  })
  .strict();
export type DeploymentLiveSnapshot = z.infer<typeof deploymentLiveSnapshotSchema>;

export const deploymentBreakerSnapshotSchema = z
  .object({
    state: breakerStateSchema,
    /** Epoch ms the current state began. */
    since: z.number(),
    /** Times it has opened since this instance started. */
    opens: z.number().int(),
    consecutiveFailures: z.number().int(),
    lastFailureClass: z.string().optional(),
    lastFailureAt: z.number().optional(),
    /** While open: epoch ms it turns half-open. */
    reopensAt: z.number().optional(),
    probesInFlight: z.number().int(),
  })
  .strict();
export type DeploymentBreakerSnapshot = z.infer<typeof deploymentBreakerSnapshotSchema>;

export const deploymentEntrySchema = z
  .object({
    /** The configured model id. */
    model: z.string(),
    provider: z.string(),
    /** What it serves: chat completions or embeddings (its `kind` in the config). */
    kind: z.enum(['chat', 'embedding']),
    /** False until the deployment has served or failed a call on this instance; then `snapshot` and `breaker` are absent. */
    observed: z.boolean(),
    snapshot: deploymentLiveSnapshotSchema.optional(),
    breaker: deploymentBreakerSnapshotSchema.optional(),
  })
  .strict();
export type DeploymentEntry = z.infer<typeof deploymentEntrySchema>;

/** Every configured deployment, in config order. */
export const deploymentListResponseSchema = z.object({ object: z.literal('list'), data: z.array(deploymentEntrySchema) }).strict();
export type DeploymentListResponse = z.infer<typeof deploymentListResponseSchema>;
