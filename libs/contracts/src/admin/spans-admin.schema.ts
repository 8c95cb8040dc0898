import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true });

/** `<started_at ISO>_<span id>` of the last span of a page: the next page starts strictly after it, newest first. */
export const SPAN_CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)_([0-9a-f]{16})$/;

export const spanCursorOf = (startedAt: Date, spanId: string): string => `${startedAt.toISOString()}_${spanId}`;

/** The cursor's parts; undefined for a string that is not one. */
export function parseSpanCursor(cursor: string): { startedAt: Date; spanId: string } | undefined {
  const match = SPAN_CURSOR.exec(cursor);
  if (!match?.[1] || !match[2]) return undefined;
  const startedAt = new Date(match[1]);
  return Number.isNaN(startedAt.getTime()) ? undefined : { startedAt, spanId: match[2] };
}

const score = z.coerce.number().min(0).max(1);

/** `GET /admin/spans`: newest first, every filter optional. */
export const listSpansQuerySchema = z
  .object({
    workload: z.string().min(1).max(128).optional(),
    /** The configured model id that served the call. */
    model: z.string().min(1).max(128).optional(),
    status: z.enum(['ok', 'error', 'cancelled']).optional(),
    /** Client traffic (`live`) or the gateway's own judge, golden and shadow calls. */
    origin: z.enum(['live', 'judge', 'golden', 'shadow']).optional(),
    /** Started at or after (inclusive). */
    from: timestamp.optional(),
    /** Started before (exclusive). */
    to: timestamp.optional(),
    /** Only spans with at least one successful score in [minScore, maxScore], from any source. */
    minScore: score.optional(),
    maxScore: score.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** `nextBefore` of the previous page. */
    before: z.string().refine((c) => parseSpanCursor(c) !== undefined, 'a cursor from nextBefore (<ISO time>_<span id>)').optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) >= Date.parse(q.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (q.minScore !== undefined && q.maxScore !== undefined && q.minScore > q.maxScore) ctx.addIssue({ code: 'custom', path: ['maxScore'], message: 'must be at least minScore' });
  });
export type ListSpansQuery = z.infer<typeof listSpansQuerySchema>;

/** One span in a search result: what a list shows, without bodies. */
export const spanSummarySchema = z.object({
  spanId: z.string(),
  startedAt: timestamp,
  workload: z.string(),
  /** Null when nothing was served. */
  model: z.string().nullable(),
  provider: z.string().nullable(),
  status: z.enum(['ok', 'error', 'cancelled']),
  httpStatus: z.number().int(),
  latencyMs: z.number().int(),
  costUsd: z.number().nullable(),
  inputTokens: z.number().int().nullable(),
  outputTokens: z.number().int().nullable(),
  origin: z.enum(['live', 'judge', 'golden', 'shadow']),
  /** The policy rule that routed it, if any. */
  rule: z.string().nullable(),
  strategy: z.string(),
  /** Its successful scores from every source: how many, and their mean (null without any). */
  scores: z.object({ n: z.number().int(), mean: z.number().nullable() }),
});
export type SpanSummary = z.infer<typeof spanSummarySchema>;

export const spanListResponseSchema = z.object({ data: z.array(spanSummarySchema), nextBefore: z.string().nullable() });
export type SpanListResponse = z.infer<typeof spanListResponseSchema>;
