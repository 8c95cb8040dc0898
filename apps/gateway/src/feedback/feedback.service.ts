import { Injectable } from '@nestjs/common';
import type { FeedbackRequest } from '@switchyard/contracts';
import { ScoreRepository, SpanRepository } from '@switchyard/db';
import type { IncomingHttpHeaders } from 'node:http';
import { callerFingerprint } from '../calls/caller-fingerprint.js';
import { OpenAiHttpError } from '../errors/openai-error.js';

export const FEEDBACK_SCORER = 'user-feedback';

export interface FeedbackReceipt {
  object: 'feedback';
  span_id: string;
  score: number;
  comment: string | null;
}

/**
 * Stores an end user's feedback as a score of source `feedback` on the span; the latest feedback
 * wins. Only the key that made the call may rate it. A virtual key of another tenant is told the
 * span does not exist, exactly as for a missing one, so feedback cannot probe other tenants' ids.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly spans: SpanRepository,
    private readonly scores: ScoreRepository,
  ) {}

  /** `callerTenant`: the tenant of the virtual key calling; null for the admin key and open auth. */
  async record(body: FeedbackRequest, headers: IncomingHttpHeaders, callerTenant: string | null = null): Promise<FeedbackReceipt> {
    const span = await this.spans.findById(body.span_id);
    if (!span || span.internal || (callerTenant !== null && span.tenant !== callerTenant)) {
      // Spans land in batches a moment after the answer; say so rather than only "not found".
      throw new OpenAiHttpError(404, `No answer with span id '${body.span_id}'. Spans are stored within a second of the answer; retry shortly if it just finished.`, 'invalid_request_error', 'span_not_found', 'span_id');
    }
    const madeBy = typeof span.metadata?.['caller'] === 'string' ? span.metadata['caller'] : undefined;
    if (madeBy !== callerFingerprint(headers)) {
      throw new OpenAiHttpError(403, 'Feedback must be sent with the same API key that made the request.', 'permission_error', 'feedback_key_mismatch', null);
    }
    await this.scores.record({
      spanId: span.spanId,
      scorer: FEEDBACK_SCORER,
      scorerVersion: '1',
      source: 'feedback',
      status: 'ok',
      score: body.score,
      reason: body.comment ?? null,
      workload: span.workload,
      model: span.model,
    });
    return { object: 'feedback', span_id: span.spanId, score: body.score, comment: body.comment ?? null };
  }
}
