import { Controller, Get, Param } from '@nestjs/common';
import { ScoreRepository, type ScoreRow, SpanRepository, type SpanRow } from '@switchyard/db';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { AdminRoute } from './admin-key.guard.js';
import { type AdminPrincipal, CurrentAdmin, TenantAdmins, tenantScopeOf } from './auth/admin-principal.js';

/** One span with every score it has received, from every source: the audit trail of one answer. */
@Controller('admin/spans')
@AdminRoute()
export class SpansAdminController {
  constructor(
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
  ) {}

  /** A tenant admin sees its tenant's spans only; another's answers 404, exactly as a missing one. */
  @Get(':id')
  @TenantAdmins()
  async one(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<{ span: SpanRow; scores: ScoreRow[] }> {
    if (!/^[0-9a-f]{16}$/.test(id)) throw new OpenAiHttpError(400, 'A span id is 16 hex digits.', 'invalid_request_error', 'invalid_value', 'id');
    // Scores are read only once the span is known to be in scope: they are reached through it.
    const span = await this.spans.findScoped(tenantScopeOf(principal), id);
    if (!span) throw new OpenAiHttpError(404, `No span '${id}'.`, 'invalid_request_error', 'span_not_found', 'id');
    return { span, scores: await this.scores.forSpan(id) };
  }
}
