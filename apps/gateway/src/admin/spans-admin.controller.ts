import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  type ListSpansQuery,
  listSpansQuerySchema,
  parseSpanCursor,
  type ScoreRecord,
  spanCursorOf,
  type SpanDetailResponse,
  type SpanListResponse,
  type SpanRecord,
  type SpanSummary,
} from '@switchyard/contracts';
import { ScoreRepository, type ScoreRow, SpanRepository, type SpanRow, type SpanSearchRow } from '@switchyard/db';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { ZodBodyPipe } from '../validation/zod-body.pipe.js';
import { AdminRoute } from './admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins, tenantScopeOf } from './auth/admin-principal.js';

const toSummary = (row: SpanSearchRow): SpanSummary => ({
  spanId: row.spanId,
  startedAt: row.startedAt.toISOString(),
  workload: row.workload,
  model: row.model,
  provider: row.provider,
  status: row.status,
  httpStatus: row.httpStatus,
  latencyMs: row.latencyMs,
  costUsd: row.costUsd,
  inputTokens: row.inputTokens,
  outputTokens: row.outputTokens,
  origin: row.origin,
  rule: row.rule,
  strategy: row.strategy,
  scores: { n: row.scoreCount, mean: row.scoreMean },
});

// A jsonb column holds JSON by construction; drizzle types what it reads as unknown.
type Json = SpanRecord['requestBody'];
type JsonObject = ScoreRecord['metadata'];

// The rows as they are, with the timestamps as the ISO strings JSON.stringify makes of them anyway.
const toSpanRecord = (row: SpanRow): SpanRecord => ({
  ...row,
  startedAt: row.startedAt.toISOString(),
  requestBody: row.requestBody as Json,
  responseBody: row.responseBody as Json,
  metadata: row.metadata as JsonObject | null,
  createdAt: row.createdAt.toISOString(),
});
const toScoreRecord = (row: ScoreRow): ScoreRecord => ({ ...row, metadata: row.metadata as JsonObject, createdAt: row.createdAt.toISOString() });

/** Span search, and one span with every score it has received, from every source: the audit trail of one answer. */
@Controller('admin/spans')
@AdminRoute()
export class SpansAdminController {
  constructor(
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
  ) {}

  /** Newest first; a tenant admin searches its own tenant's spans only. */
  @Get()
  @TenantAdmins()
  async list(@CurrentAdmin() principal: AdminPrincipal, @Query(new ZodBodyPipe(listSpansQuerySchema)) query: ListSpansQuery): Promise<SpanListResponse> {
    // One extra row tells whether another page follows.
    const rows = await this.spans.search(tenantScopeOf(principal), {
      workload: query.workload,
      model: query.model,
      status: query.status,
      origin: query.origin,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      minScore: query.minScore,
      maxScore: query.maxScore,
      before: query.before === undefined ? undefined : parseSpanCursor(query.before),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(toSummary), nextBefore: rows.length > query.limit && last ? spanCursorOf(last.startedAt, last.spanId) : null };
  }

  /** A tenant admin sees its tenant's spans only; another's answers 404, exactly as a missing one. */
  @Get(':id')
  @TenantAdmins()
  async one(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<SpanDetailResponse> {
    if (!/^[0-9a-f]{16}$/.test(id)) throw new OpenAiHttpError(400, 'A span id is 16 hex digits.', 'invalid_request_error', 'invalid_value', 'id');
    // Scores are read only once the span is known to be in scope: they are reached through it.
    const span = await this.spans.findScoped(tenantScopeOf(principal), id);
    if (!span) throw new OpenAiHttpError(404, `No span '${id}'.`, 'invalid_request_error', 'span_not_found', 'id');
    return { span: toSpanRecord(span), scores: (await this.scores.forSpan(id)).map(toScoreRecord) };
  }
}
