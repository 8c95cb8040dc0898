import type { RedactionMode } from '@switchyard/config';
import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type SpanOperation = 'chat' | 'embeddings';
export type SpanStatus = 'ok' | 'error' | 'cancelled';
/** Who made the call: a client (`live`), or the gateway's own judge, golden-run or shadow traffic. */
export type SpanOrigin = 'live' | 'judge' | 'golden' | 'shadow';

/** One upstream call made while serving a request; the last one is the one that answered (or failed). */
export interface SpanAttempt {
  model: string;
  provider: string;
  errorClass?: string;
  status?: number;
  latencyMs: number;
  message?: string;
  /** 1 for the first retry of the same deployment, and so on. */
  retry?: number;
  /** A leg of a race. */
  race?: boolean;
  /** A race leg the gateway aborted or dropped. */
  cancelled?: boolean;
  /** What a dropped race leg cost. */
  costUsd?: number;
  /** Not sent: the breaker refused it, its context window was too small, or no provider key had room under the outbound limits. */
  skipped?: 'breaker_open' | 'context_window' | 'rate_limited';
  /** Which of the provider's keys it went out with (index in `apiKeys`), when the provider has several. */
  keyIndex?: number;
}

/** One row per gateway request (chat or embeddings), written off the request path in batches. */
export const spans = pgTable(
  'spans',
  {
    /** OTel span id: 16 hex chars. Primary key so a re-flushed batch is a no-op. */
    spanId: text('span_id').primaryKey(),
    traceId: text('trace_id').notNull(),
    parentSpanId: text('parent_span_id'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    operation: text('operation').$type<SpanOperation>().notNull(),
    /** The caller's tenant id; null for open-auth and admin-key calls. */
    tenant: text('tenant'),
    /** The virtual key that made the call; its budgets are reconciled from these rows. */
    virtualKeyId: text('virtual_key_id'),
    workload: text('workload').notNull(),
    policyVersion: text('policy_version').notNull(),
    strategy: text('strategy').notNull(),
    rule: text('rule'),
    requestedModel: text('requested_model').notNull(),
    /** Configured model id that served the request; null when nothing was served. */
    model: text('model'),
    provider: text('provider'),
    /** Model name the upstream reported, which can differ from the configured id. */
    responseModel: text('response_model'),
    candidates: jsonb('candidates').$type<string[]>().notNull().default([]),
    attempts: jsonb('attempts').$type<SpanAttempt[]>().notNull().default([]),
    fallbackReason: text('fallback_reason'),
    status: text('status').$type<SpanStatus>().notNull(),
    httpStatus: integer('http_status').notNull(),
    errorClass: text('error_class'),
    errorMessage: text('error_message'),
    stream: boolean('stream').notNull(),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    costUsd: doublePrecision('cost_usd'),
    finishReasons: jsonb('finish_reasons').$type<string[]>(),
    /** Redaction mode in force when the row was written, so readers know what the bodies hold. */
    redaction: text('redaction').$type<RedactionMode>().notNull(),
    requestBody: jsonb('request_body'),
    responseBody: jsonb('response_body'),
    requestHash: text('request_hash'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    /** The gateway's own judge/probe calls, kept out of sampling and judging. */
    internal: boolean('internal').notNull().default(false),
    origin: text('origin').$type<SpanOrigin>().notNull().default('live'),
    /** The golden run a `golden` call belongs to, or the live span a `shadow` call replays. */
    runId: text('run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('spans_started_at_idx').on(t.startedAt),
    index('spans_workload_model_started_at_idx').on(t.workload, t.model, t.startedAt),
    index('spans_trace_id_idx').on(t.traceId),
    index('spans_origin_started_at_idx').on(t.origin, t.startedAt),
    // Tenant-scoped admin reads and budget reconciliation read one tenant's (or key's) window.
    index('spans_tenant_started_at_idx').on(t.tenant, t.startedAt).where(sql`${t.tenant} is not null`),
    index('spans_virtual_key_started_at_idx').on(t.virtualKeyId, t.startedAt).where(sql`${t.virtualKeyId} is not null`),
    // Golden-run summaries (cost, latency) read a run's spans; live spans have no run id.
    index('spans_run_id_idx').on(t.runId).where(sql`${t.runId} is not null`),
  ],
);

export type SpanRow = typeof spans.$inferSelect;
export type NewSpanRow = typeof spans.$inferInsert;
