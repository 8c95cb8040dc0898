import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ScoreRepository, type ScoreRow, SpanRepository, type SpanRow } from '@switchyard/db';
import { OpenAiHttpError } from '../errors/openai-error.js';
import { AdminKeyGuard } from './admin-key.guard.js';

/** One span with every score it has received, from every source: the audit trail of one answer. */
@Controller('admin/spans')
@UseGuards(AdminKeyGuard)
export class SpansAdminController {
  constructor(
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
  ) {}

  @Get(':id')
  async one(@Param('id') id: string): Promise<{ span: SpanRow; scores: ScoreRow[] }> {
    if (!/^[0-9a-f]{16}$/.test(id)) throw new OpenAiHttpError(400, 'A span id is 16 hex digits.', 'invalid_request_error', 'invalid_value', 'id');
    const [span, scores] = await Promise.all([this.spans.findById(id), this.scores.forSpan(id)]);
    if (!span) throw new OpenAiHttpError(404, `No span '${id}'.`, 'invalid_request_error', 'span_not_found', 'id');
    return { span, scores };
  }
}
