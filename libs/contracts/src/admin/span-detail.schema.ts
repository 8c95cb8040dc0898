import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true });

/*
 * `GET /admin/spans/:id` sends the stored span and score rows (libs/db span.table.ts,
 * score.table.ts) as JSON: timestamps as ISO strings, jsonb columns as the JSON they hold. The
 * objects are strict so that a column added or renamed without this contract fails the e2e check.
 */

/** One upstream call made while serving the request; the last one answered (or failed). */
export const spanAttemptSchema = z
  .object({
    model: z.string(),
    provider: z.string(),
    errorClass: z.string().optional(),
    status: z.number().int().optional(),
    /** To 0.1 ms, unlike the span's whole-ms `latencyMs`. */
    latencyMs: z.number(),
    message: z.string().optional(),
    /** 1 for the first retry of the same deployment, and so on. */
    retry: z.number().int().optional(),
    /** A leg of a race. */
    race: z.boolean().optional(),
    /** A race leg the gateway aborted or dropped. */
    cancelled: z.boolean().optional(),
    /** What a dropped race leg cost. */
    costUsd: z.number().optional(),
    /** Not sent: the breaker refused it, its context window was too small, or no provider key had room. */
    skipped: z.enum(['breaker_open', 'context_window', 'rate_limited']).optional(),
    /** Which of the provider's keys it went out with, when the provider has several. */
    keyIndex: z.number().int().optional(),
  })
  .strict();
export type SpanAttemptRecord = z.infer<typeof spanAttemptSchema>;

/** What the bodies of a span hold: `hashed` keeps `requestHash` (and `metadata.responseHash`), `metadata-only` neither. */
export const spanRedactionModeSchema = z.enum(['full', 'metadata-only', 'hashed']);
export type SpanRedactionMode = z.infer<typeof spanRedactionModeSchema>;

export const scoreSourceSchema = z.enum(['judge', 'golden', 'shadow', 'feedback', 'human']);

export const spanRecordSchema = z
  .object({
    spanId: z.string(),
    traceId: z.string(),
    parentSpanId: z.string().nullable(),
    startedAt: timestamp,
    latencyMs: z.number().int(),
    ttftMs: z.number().int().nullable(),
    operation: z.enum(['chat', 'embeddings']),
    /** Null for open-auth and admin-key calls. */
    tenant: z.string().nullable(),
    virtualKeyId: z.string().nullable(),
    workload: z.string(),
    policyVersion: z.string(),
    strategy: z.string(),
    rule: z.string().nullable(),
    requestedModel: z.string(),
    /** The configured model id that served the call; null when nothing was served. */
    model: z.string().nullable(),
    provider: z.string().nullable(),
    /** The model name the upstream reported. */
    responseModel: z.string().nullable(),
    candidates: z.array(z.string()),
    attempts: z.array(spanAttemptSchema),
    fallbackReason: z.string().nullable(),
    status: z.enum(['ok', 'error', 'cancelled']),
    httpStatus: z.number().int(),
    errorClass: z.string().nullable(),
    errorMessage: z.string().nullable(),
    stream: z.boolean(),
    inputTokens: z.number().int().nullable(),
    outputTokens: z.number().int().nullable(),
    costUsd: z.number().nullable(),
    finishReasons: z.array(z.string()).nullable(),
    redaction: spanRedactionModeSchema,
    /** Null unless the redaction mode was `full`. */
    requestBody: z.json(),
    responseBody: z.json(),
    requestHash: z.string().nullable(),
    /** Free-form: `routing`, `sampling`, `cache`, `caller`, `request` (the request's own metadata), ... */
    metadata: z.record(z.string(), z.json()).nullable(),
    internal: z.boolean(),
    origin: z.enum(['live', 'judge', 'golden', 'shadow']),
    /** The golden run of a `golden` call, or the live span a `shadow` call replays. */
    runId: z.string().nullable(),
    createdAt: timestamp,
  })
  .strict();
export type SpanRecord = z.infer<typeof spanRecordSchema>;

export const scoreRecordSchema = z
  .object({
    id: z.string(),
    spanId: z.string(),
    scorer: z.string(),
    scorerVersion: z.string(),
    source: scoreSourceSchema,
    status: z.enum(['ok', 'failed']),
    /** Null exactly when the status is `failed`. */
    score: z.number().nullable(),
    label: z.string().nullable(),
    reason: z.string().nullable(),
    raw: z.string().nullable(),
    workload: z.string(),
    model: z.string().nullable(),
    runId: z.string().nullable(),
    datasetItemId: z.string().nullable(),
    judgeSpanId: z.string().nullable(),
    metadata: z.record(z.string(), z.json()),
    createdAt: timestamp,
  })
  .strict();
export type ScoreRecord = z.infer<typeof scoreRecordSchema>;

/** `GET /admin/spans/:id`: the span and every score it has received, from every source. */
export const spanDetailResponseSchema = z.object({ span: spanRecordSchema, scores: z.array(scoreRecordSchema) }).strict();
export type SpanDetailResponse = z.infer<typeof spanDetailResponseSchema>;
